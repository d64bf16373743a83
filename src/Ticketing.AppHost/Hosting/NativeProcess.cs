using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Ticketing.AppHost.Hosting;

/// <summary>Starting child processes with captured output, and polite (SIGTERM/SIGINT) stops.</summary>
public static partial class NativeProcess
{
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
    /// root) it runs as that user (<c>setpriv</c>).
    /// </summary>
    public static Process Start(string fileName, IEnumerable<string> arguments, Action<string> log,
        IReadOnlyDictionary<string, string?>? environment = null, string? runAs = null, string? workingDirectory = null)
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
        if (runAs is not null && IsRoot)
        {
            foreach (var argument in (string[])["setpriv", $"--reuid={runAs}", $"--regid={runAs}", "--init-groups", "--reset-env"])
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
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
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
