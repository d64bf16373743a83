using System.Net;
using System.Net.Sockets;

namespace Ticketing.DevBroker;

/// <summary>
/// Listens on a fixed 127.0.0.1 port and passes every connection's bytes both ways to the mock broker's own listener, whose
/// port librdkafka picks at random. With <see cref="KafkaMockCluster.Advertise"/> pointing the broker's metadata at this port,
/// clients bootstrap and reconnect through one address that outlives a restart of the broker (the Kafka connection string the
/// AppHost hands out). One connection costs two sockets and two copy loops; the dev broker carries a few dozen.
/// </summary>
/// <param name="port">The port to listen on (127.0.0.1).</param>
/// <param name="target">The broker's listener, e.g. <c>127.0.0.1:39123</c>.</param>
public sealed class TcpForwarder(int port, string target) : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, port);
    private readonly CancellationTokenSource _stopping = new();
    private Task _accepting = Task.CompletedTask;

    /// <summary>Starts listening; throws <see cref="SocketException"/> when the port is taken.</summary>
    public void Start()
    {
        _listener.Start(backlog: 512);
        _accepting = AcceptAsync(_stopping.Token);
    }

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        var colon = target.LastIndexOf(':');
        var (host, targetPort) = (target[..colon], int.Parse(target[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = PipeAsync(client, host, targetPort, cancellationToken);
        }
    }

    private static async Task PipeAsync(TcpClient client, string host, int port, CancellationToken cancellationToken)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                client.NoDelay = true;
                upstream.NoDelay = true;
                await upstream.ConnectAsync(host, port, cancellationToken);
                await using var a = client.GetStream();
                await using var b = upstream.GetStream();
                // Either side closing ends both: a Kafka connection is useless half-open.
                await Task.WhenAny(a.CopyToAsync(b, cancellationToken), b.CopyToAsync(a, cancellationToken));
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client or the broker went away; the other side sees its socket close.
            }
        }
    }

    /// <summary>Stops listening and ends every open connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stopping.Dispose();
    }
}
