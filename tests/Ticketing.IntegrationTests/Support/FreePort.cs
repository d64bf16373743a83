using System.Net;
using System.Net.Sockets;

namespace Ticketing.IntegrationTests.Support;

/// <summary>
/// Free TCP ports on 127.0.0.1 for what a test system runs on fixed ports (Postgres, Redis, the dev broker, the services):
/// below Linux's ephemeral range (32768-60999), so no outgoing connection of the run (the crowd tests open thousands) can hold
/// one as its local port before the server binds it, and above the system's and the bench's defaults (15432-24110); never the
/// same port twice in a run.
/// </summary>
public static class FreePort
{
    private static readonly HashSet<int> Given = [];

    /// <summary>A port nothing listens on now, in 25000-32767, not handed out before in this run.</summary>
    /// <exception cref="InvalidOperationException">No free port after 1,000 tries.</exception>
    public static int Next()
    {
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var port = Random.Shared.Next(25000, 32768);
            lock (Given)
            {
                if (!Given.Add(port))
                {
                    continue;
                }
            }

            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken by something else: try another.
            }
        }

        throw new InvalidOperationException("No free TCP port in 25000-32767 after 1,000 tries.");
    }

    /// <summary>Whether something accepts TCP connections on 127.0.0.1:<paramref name="port"/> (within 1 s).</summary>
    public static async Task<bool> IsListeningAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(1));
            return true;
        }
        catch (Exception ex) when (ex is SocketException or TimeoutException)
        {
            return false;
        }
    }
}
