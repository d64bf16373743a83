using System.Net;
using System.Net.Sockets;

namespace Ticketing.Hosting;

/// <summary>Free TCP ports on 127.0.0.1 (for tests, which run beside a possibly running system).</summary>
public static class FreePort
{
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A port that is free on 127.0.0.1 now, picked at random from 20000–32767: below Linux's ephemeral range
    /// (32768–60999), so outgoing connections (thousands in a crowd test) cannot take it before the server binds it.
    /// Falls back to a port the OS hands out if 200 tries find none.
    /// </summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(20000, 32768);
            lock (HandedOut)
            {
                // Never the same port twice in one process: the first caller's server may not have bound it yet.
                if (!HandedOut.Add(port))
                {
                    continue;
                }
            }

            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                probe.Stop();
                return port;
            }
            catch (SocketException)
            {
                // Taken; try another.
            }
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var assigned = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return assigned;
    }

    /// <summary>True when something accepts TCP connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static async Task<bool> IsListeningAsync(int port, CancellationToken cancellationToken = default)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
