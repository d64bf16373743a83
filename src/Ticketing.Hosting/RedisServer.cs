using System.Net.Sockets;
using System.Text;

namespace Ticketing.Hosting;

/// <summary>Where and how to run a Redis server.</summary>
/// <param name="DataDirectory">Folder for the append-only file; null = no persistence (tests).</param>
/// <param name="Port">TCP port on 127.0.0.1.</param>
public sealed record RedisServerOptions(string? DataDirectory, int Port);

/// <summary>A Redis server from Debian's <c>redis-server</c>, run in the foreground as a child process.</summary>
public sealed class RedisServer : ISupervisedProcess
{
    private readonly System.Diagnostics.Process _process;

    private RedisServer(System.Diagnostics.Process process, int port)
    {
        _process = process;
        ConnectionString = $"127.0.0.1:{port}";
    }

    /// <summary><c>127.0.0.1:port</c>, StackExchange.Redis's format.</summary>
    public string ConnectionString { get; }

    /// <summary>The server process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Completes when the server process ends.</summary>
    public Task Exited => _process.WaitForExitAsync();

    /// <summary>The server's exit code once <see cref="Exited"/> (128 + n when killed by signal n).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the server and waits (up to 30 s) until it answers <c>PING</c>.</summary>
    /// <exception cref="InvalidOperationException"><c>redis-server</c> is missing or did not come up.</exception>
    public static async Task<RedisServer> StartAsync(RedisServerOptions options, Action<string> log, CancellationToken cancellationToken = default)
    {
        const string binary = "/usr/bin/redis-server";
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException("redis-server is missing; run scripts/setup.sh (apt install redis-server).");
        }

        var arguments = new List<string> { "--bind", "127.0.0.1", "--port", options.Port.ToString(), "--daemonize", "no", "--save", "" };
        if (options.DataDirectory is { } data)
        {
            Directory.CreateDirectory(data);
            arguments.AddRange(["--dir", Path.GetFullPath(data), "--appendonly", "yes", "--appendfsync", "everysec"]);
        }
        else
        {
            arguments.AddRange(["--appendonly", "no"]);
        }

        var server = new RedisServer(NativeProcess.Start(binary, arguments, log, parentDeathSignal: NativeProcess.SigTerm), options.Port);
        try
        {
            await server.WaitReadyAsync(options.Port, TimeSpan.FromSeconds(30), cancellationToken);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Stops the server (SIGTERM: it writes its append-only file and exits), waiting up to 10 s.</summary>
    public async ValueTask DisposeAsync()
    {
        await NativeProcess.StopAsync(_process, NativeProcess.SigTerm, TimeSpan.FromSeconds(10));
        _process.Dispose();
    }

    private async Task WaitReadyAsync(int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with code {_process.ExitCode} during start-up (see its log lines above).");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, cancellationToken);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
                var buffer = new byte[64];
                var read = await stream.ReadAsync(buffer, cancellationToken);
                if (Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException && DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("redis-server did not answer PING within the start-up timeout.");
            }

            await Task.Delay(50, cancellationToken);
        }
    }
}
