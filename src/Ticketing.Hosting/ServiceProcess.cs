using System.Diagnostics;

namespace Ticketing.Hosting;

/// <summary>
/// One .NET service run as a child process (<c>dotnet &lt;service&gt;.dll</c>), the way Aspire runs a project
/// resource: configuration only through environment variables, every output line forwarded to a log sink.
/// </summary>
public sealed class ServiceProcess : ISupervisedProcess
{
    private readonly Process _process;
    private readonly Queue<string> _lastLines = new();

    private ServiceProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    /// <summary>The resource name (<c>api</c>, <c>queueworker</c>, <c>web</c>).</summary>
    public string Name { get; }

    /// <summary>The child's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>True once the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code (only once <see cref="HasExited"/>).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Completes when the process ends.</summary>
    public Task Exited => _process.WaitForExitAsync();

    /// <summary>Starts <paramref name="dllPath"/> with <paramref name="environment"/> added to this process's own (null values remove a variable).</summary>
    public static ServiceProcess Start(string name, string dllPath, IReadOnlyDictionary<string, string?> environment, Action<string> log)
    {
        ServiceProcess? service = null;
        var process = NativeProcess.Start("dotnet", [dllPath], line =>
        {
            service?.Remember(line);
            log(line);
        }, environment, workingDirectory: Path.GetDirectoryName(dllPath));
        service = new ServiceProcess(name, process);
        return service;
    }

    /// <summary>Polls <c>GET {baseUrl}{healthPath}</c> (default <c>/health</c>) until it answers 200.</summary>
    /// <exception cref="TimeoutException">Not healthy within <paramref name="timeout"/>, or the process exited; the message carries its last output lines.</exception>
    public async Task WaitHealthyAsync(Uri baseUrl, TimeSpan timeout, CancellationToken cancellationToken = default, string healthPath = "/health")
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        string last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new TimeoutException($"{Name} exited with code {_process.ExitCode} before it was healthy. Last output:{Environment.NewLine}{LastLines()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(baseUrl, healthPath), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                last = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}";
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                last = "timed out";
            }

            await Task.Delay(200, cancellationToken);
        }

        throw new TimeoutException($"{Name} was not healthy within {timeout.TotalSeconds:0} s ({last}). Last output:{Environment.NewLine}{LastLines()}");
    }

    /// <summary>Asks the service to stop (SIGTERM: ASP.NET Core's graceful shutdown), then kills its tree after <paramref name="grace"/>.</summary>
    public Task StopAsync(TimeSpan grace) => NativeProcess.StopAsync(_process, NativeProcess.SigTerm, grace);

    /// <summary>Stops with a 10 s grace period.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }

    private void Remember(string line)
    {
        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            if (_lastLines.Count > 40)
            {
                _lastLines.Dequeue();
            }
        }
    }

    private string LastLines()
    {
        lock (_lastLines)
        {
            return string.Join(Environment.NewLine, _lastLines);
        }
    }
}
