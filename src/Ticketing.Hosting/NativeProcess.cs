using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace Ticketing.Hosting;

/// <summary>
/// Starting child processes with captured output, bound to this process's life, and polite (SIGTERM/SIGINT) stops.
/// </summary>
/// <remarks>
/// Every child gets a parent-death signal (<c>PR_SET_PDEATHSIG</c>, set by util-linux <c>setpriv --pdeathsig</c> just before it
/// execs the program, after any change of user): when this process dies — even by SIGKILL, an OOM kill or a CI timeout — the
/// kernel signals the child, so nothing of a run outlives it. Linux sends that signal when the <em>thread</em> that forked the
/// child ends (man prctl(2)), and .NET starts processes on whatever thread calls it (thread-pool threads retire when idle), so
/// all children are forked from one dedicated thread that lives as long as the process.
/// </remarks>
public static partial class NativeProcess
{
    /// <summary>POSIX SIGKILL (9).</summary>
    public const int SigKill = 9;

    private static readonly BlockingCollection<Action> Spawns = [];
    private static readonly Thread Spawner = StartSpawner();

    /// <summary>POSIX SIGINT (2).</summary>
    public const int SigInt = 2;

    /// <summary>POSIX SIGTERM (15).</summary>
    public const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false if the process is gone.</summary>
    public static bool Signal(int pid, int signal) => Kill(pid, signal) == 0;

    /// <summary>True when this process runs as root (uid 0).</summary>
    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>
    /// Starts <paramref name="fileName"/> with <paramref name="arguments"/>, forwarding every stdout/stderr line to
    /// <paramref name="log"/>, in a session of its own (<c>setsid</c>). When <paramref name="runAs"/> is set (and we are
    /// root) it runs as that user. When this process dies the child receives <paramref name="parentDeathSignal"/> (default
    /// SIGKILL; Postgres asks for SIGINT, its fast shutdown, and Redis for SIGTERM, which writes its data first).
    /// </summary>
    public static Process Start(string fileName, IEnumerable<string> arguments, Action<string> log,
        IReadOnlyDictionary<string, string?>? environment = null, string? runAs = null, string? workingDirectory = null,
        int parentDeathSignal = SigKill)
    {
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        // setsid: the child gets a session of its own, so a terminal's Ctrl+C reaches only the AppHost, which then
        // stops the children in order (otherwise Postgres would shut down at the same instant as the services using it).
        // Both setsid and setpriv exec in place: the process we hold, and signal, is the program itself.
        info.FileName = "setsid";
        info.ArgumentList.Add("setpriv");
        info.ArgumentList.Add("--pdeathsig=" + parentDeathSignal switch
        {
            SigInt => "INT",
            SigTerm => "TERM",
            SigKill => "KILL",
            _ => throw new ArgumentOutOfRangeException(nameof(parentDeathSignal), parentDeathSignal, "SIGINT, SIGTERM or SIGKILL"),
        });
        if (runAs is not null && IsRoot)
        {
            foreach (var argument in (string[])[$"--reuid={runAs}", $"--regid={runAs}", "--init-groups", "--reset-env"])
            {
                info.ArgumentList.Add(argument);
            }
        }

        info.ArgumentList.Add(fileName);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { log(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { log(e.Data); } };
        OnSpawner(() => process.Start());
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static Thread StartSpawner()
    {
        var thread = new Thread(() =>
        {
            foreach (var spawn in Spawns.GetConsumingEnumerable())
            {
                spawn();
            }
        })
        { IsBackground = true, Name = "child process spawner" };
        thread.Start();
        return thread;
    }

    // Runs 'start' on the spawner thread and waits for it (forking takes a millisecond or two).
    private static void OnSpawner(Action start)
    {
        if (Thread.CurrentThread == Spawner)
        {
            start();
            return;
        }

        using var done = new ManualResetEventSlim();
        ExceptionDispatchInfo? error = null;
        Spawns.Add(() =>
        {
            try
            {
                start();
            }
            catch (Exception ex)
            {
                error = ExceptionDispatchInfo.Capture(ex);
            }
            finally
            {
                done.Set();
            }
        });
        done.Wait();
        error?.Throw();
    }

    /// <summary>Runs a command to completion; throws with its output when it exits non-zero.</summary>
    /// <exception cref="InvalidOperationException">The command failed.</exception>
    public static async Task RunAsync(string fileName, IEnumerable<string> arguments, Action<string> log, string? runAs = null, CancellationToken cancellationToken = default)
    {
        var output = new List<string>();
        using var process = Start(fileName, arguments, line => { lock (output) { output.Add(line); } log(line); }, runAs: runAs);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} exited with {process.ExitCode}: {string.Join(Environment.NewLine, output.TakeLast(20))}");
        }
    }

    /// <summary>
    /// Stops <paramref name="process"/>: <paramref name="signal"/> first, then, after <paramref name="grace"/>, a kill of its whole tree.
    /// Returns true when it stopped within the grace period.
    /// </summary>
    public static async Task<bool> StopAsync(Process process, int signal, TimeSpan grace)
    {
        if (process.HasExited)
        {
            return true;
        }

        Signal(process.Id, signal);
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return false;
        }
    }
}
