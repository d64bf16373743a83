using System.Diagnostics;
using System.Reflection;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.AppHost;

/// <summary>
/// The built AppHost run as <c>./run.sh</c> runs it — a process of its own with DCP and the Aspire dashboard — on free ports
/// (dashboard, its OTLP and resource-service endpoints, Postgres, Redis, the dev broker, the services) with a data folder of its
/// own and a known dashboard API key. Its console lines are collected; <see cref="Ready"/> completes when it announces the Web.
/// </summary>
internal sealed class AppHostProcess : IAsyncDisposable
{
    private readonly List<string> _output = [];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _ownsDataDirectory;

    private AppHostProcess(Process process, string dataDirectory, bool ownsDataDirectory, Dictionary<string, int> ports, string dashboardApiKey)
    {
        Process = process;
        DataDirectory = dataDirectory;
        _ownsDataDirectory = ownsDataDirectory;
        Ports = ports;
        DashboardApiKey = dashboardApiKey;
    }

    public Process Process { get; }

    public string DataDirectory { get; }

    /// <summary>The ports by setting name (<c>TICKETING_API_PORT</c>, …, and <c>DASHBOARD</c>, <c>OTLP</c>, <c>RESOURCE_SERVICE</c>).</summary>
    public Dictionary<string, int> Ports { get; }

    public string DashboardApiKey { get; }

    /// <summary>Completes when the AppHost prints that the Web is ready (every resource it waits for is healthy).</summary>
    public Task Ready => _ready.Task;

    public Uri Url(string resource) => new($"http://127.0.0.1:{Ports[$"TICKETING_{resource.ToUpperInvariant()}_PORT"]}");

    public Uri DashboardUrl => new($"http://127.0.0.1:{Ports["DASHBOARD"]}");

    /// <summary>Everything the AppHost printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join(Environment.NewLine, _output);
            }
        }
    }

    /// <summary>The last 60 lines the AppHost printed, for a failure message.</summary>
    public string Tail
    {
        get
        {
            lock (_output)
            {
                return string.Join(Environment.NewLine, _output.TakeLast(60));
            }
        }
    }

    /// <summary>
    /// Starts the AppHost with <paramref name="settings"/> added to its environment; outside connection strings and OTLP settings
    /// of the test's own environment are removed first. <paramref name="reuse"/> runs it again on an earlier run's data folder and ports.
    /// </summary>
    public static AppHostProcess Start(IReadOnlyDictionary<string, string?>? settings = null, AppHostProcess? reuse = null)
    {
        var dataDirectory = reuse?.DataDirectory ?? Path.Combine(Path.GetTempPath(), $"ticketing-apphost-{Guid.NewGuid():N}");
        var ports = reuse?.Ports ?? new[] { "POSTGRES", "REDIS", "KAFKA", "API", "QUEUEWORKER", "WEB" }.Select(r => $"TICKETING_{r}_PORT")
            .Concat(["DASHBOARD", "OTLP", "RESOURCE_SERVICE"]).ToDictionary(name => name, _ => FreePort.Next());
        var apiKey = reuse?.DashboardApiKey ?? Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var configuration = typeof(AppHostProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var info = new ProcessStartInfo("env")
        {
            // A test host started in the background may have SIGINT ignored, and an ignored signal stays ignored across exec.
            ArgumentList = { "--default-signal=INT", "dotnet", Path.Combine(Ticketing.AppHost.Hosting.DataDirectory.RepositoryRoot, "src", "Ticketing.AppHost", "bin", configuration, "net10.0", "Ticketing.AppHost.dll") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || k.StartsWith("OTEL_", StringComparison.Ordinal)
                     || k.StartsWith("Ticketing__", StringComparison.Ordinal) || k.StartsWith("TICKETING_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        // What the launch profile "http" of run.sh gives, on this run's ports.
        info.Environment["DOTNET_ENVIRONMENT"] = "Development";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ports["DASHBOARD"]}";
        info.Environment["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"] = $"http://127.0.0.1:{ports["OTLP"]}";
        info.Environment["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://127.0.0.1:{ports["RESOURCE_SERVICE"]}";
        info.Environment["AppHost__DashboardApiKey"] = apiKey;
        info.Environment["TICKETING_DATA_DIR"] = dataDirectory;
        info.Environment["Ticketing__Challenge__Enabled"] = "false"; // its tests sign up and join through the Api without solving
        foreach (var (name, port) in ports.Where(p => p.Key.StartsWith("TICKETING_", StringComparison.Ordinal)))
        {
            info.Environment[name] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach (var (name, value) in settings ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        var process = new Process { StartInfo = info };
        var run = new AppHostProcess(process, dataDirectory, reuse is null, ports, apiKey);
        DataReceivedEventHandler collect = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (run._output)
            {
                run._output.Add(e.Data);
            }

            if (e.Data.Contains("==> Web (open this) is ready", StringComparison.Ordinal))
            {
                run._ready.TrySetResult();
            }
        };
        process.OutputDataReceived += collect;
        process.ErrorDataReceived += collect;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return run;
    }

    /// <summary>Waits until <see cref="Ready"/> (at most 3 minutes); fails with the AppHost's last lines if it exits or stalls first.</summary>
    public async Task WaitReadyAsync()
    {
        await Task.WhenAny(Ready, Process.WaitForExitAsync(), Task.Delay(TimeSpan.FromMinutes(3)));
        Ready.IsCompleted.ShouldBeTrue($"The AppHost did not come up:{Environment.NewLine}{Tail}");
    }

    /// <summary>
    /// Ctrl+C: SIGINT, then waits (at most 60 s) for the AppHost to exit — it must exit with 0 — and for every process of the run
    /// (<see cref="ProcessTree.OfAppHost"/>, DCP's included) to end and every port to close (at most 30 s more). Returns the time
    /// from the signal until nothing was left.
    /// </summary>
    public async Task<TimeSpan> StopAsync()
    {
        var processes = ProcessTree.OfAppHost(Process.Id);
        var stopping = Stopwatch.StartNew();
        Native.Signal(Process.Id, Native.SigInt).ShouldBeTrue("the AppHost was running");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await Process.WaitForExitAsync(timeout.Token);
        Process.ExitCode.ShouldBe(0, Tail);
        await WaitGoneAsync(processes, stopping, "Ctrl+C");
        return stopping.Elapsed;
    }

    /// <summary>
    /// SIGKILL of the AppHost (a closed terminal, an OOM kill, a CI timeout), then waits (at most 30 s) for every process of the
    /// run to end and every port to close: DCP watches the AppHost's pid and stops what it started. Returns the time that took.
    /// </summary>
    public async Task<TimeSpan> KillAsync()
    {
        var processes = ProcessTree.OfAppHost(Process.Id);
        var killed = Stopwatch.StartNew();
        Process.Kill();
        await Process.WaitForExitAsync();
        await WaitGoneAsync(processes, killed, "SIGKILL of the AppHost");
        return killed.Elapsed;
    }

    private async Task WaitGoneAsync(List<int> processes, Stopwatch since, string what)
    {
        var deadline = since.Elapsed + TimeSpan.FromSeconds(30);
        while ((processes.Any(ProcessTree.IsAlive) || await AnyListeningAsync()) && since.Elapsed < deadline)
        {
            await Task.Delay(250);
        }

        processes.Where(ProcessTree.IsAlive).Select(ProcessTree.CommandLine).ShouldBeEmpty($"no process of the run outlives {what} by 30 s");
        foreach (var (name, port) in Ports)
        {
            (await FreePort.IsListeningAsync(port)).ShouldBeFalse($"{name} {port} is still open 30 s after {what}");
        }
    }

    private async Task<bool> AnyListeningAsync()
    {
        foreach (var port in Ports.Values)
        {
            if (await FreePort.IsListeningAsync(port))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Kills what is left of the run (a failed assertion must not leave one behind) and deletes its data folder if it made it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            var tree = ProcessTree.OfAppHost(Process.Id);
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
            foreach (var pid in tree.Where(ProcessTree.IsAlive))
            {
                Native.Signal(pid, Native.SigKill);
            }
        }

        Process.Dispose();
        if (_ownsDataDirectory)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Postgres may have made files only its OS user can delete; /tmp is cleaned by the system.
            }
        }
    }
}

/// <summary>POSIX signals (libc <c>kill(2)</c>), for Ctrl+C (SIGINT) and crashes (SIGKILL) of processes the tests started.</summary>
internal static class Native
{
    public const int SigInt = 2;
    public const int SigKill = 9;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false if there is no such process.</summary>
    public static bool Signal(int pid, int signal) => Kill(pid, signal) == 0;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);
}
