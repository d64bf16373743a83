using System.Net;
using System.Net.Sockets;

namespace Ticketing.IntegrationTests.Support;

/// <summary>Free TCP ports on 127.0.0.1 for the servers a test system runs on fixed ports (Postgres, Redis, the dev broker).</summary>
public static class FreePort
{
    /// <summary>A port the OS just handed out and released (another process could take it before use; in practice none does).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
