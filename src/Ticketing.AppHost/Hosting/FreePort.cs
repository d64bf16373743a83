using System.Net;
using System.Net.Sockets;

namespace Ticketing.AppHost.Hosting;

/// <summary>Free TCP ports on 127.0.0.1 (for tests, which run beside a possibly running system).</summary>
public static class FreePort
{
    /// <summary>A port the OS just handed out for 127.0.0.1 and that is free again (another process may take it; rare).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
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
