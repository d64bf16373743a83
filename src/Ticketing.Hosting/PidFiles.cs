using System.Globalization;

namespace Ticketing.Hosting;

/// <summary>
/// The processes a run started, one file per resource in <c>{data folder}/run/{resource}.pid</c> holding
/// <c>{pid} {start time}</c> (the start time in clock ticks since boot, field 22 of <c>/proc/{pid}/stat</c>, so a pid the
/// kernel has since given to another program is never mistaken for ours). Children are bound to the AppHost's life
/// (<see cref="NativeProcess"/>); the files are the second line of defence: a run that finds processes of an earlier run of
/// the same data folder still alive stops them (SIGTERM, then SIGKILL after 5 s) and says so, before it checks its ports.
/// </summary>
/// <param name="directory">The folder of the pid files (created when needed).</param>
/// <param name="log">Where to say what was stopped.</param>
public sealed class PidFiles(string directory, Action<string> log)
{
    /// <summary>Writes the pid file of <paramref name="resource"/>.</summary>
    public void Record(string resource, int pid)
    {
        if (StartTime(pid) is { } started)
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, $"{resource}.pid"), $"{pid} {started}");
        }
    }

    /// <summary>Removes every pid file (after a clean stop).</summary>
    public void Clear()
    {
        if (Directory.Exists(directory))
        {
            foreach (var file in Directory.GetFiles(directory, "*.pid"))
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>Stops the still-running processes an earlier run of this data folder recorded, then forgets them.</summary>
    public async Task StopLeftoversAsync()
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        var alive = new List<(string Resource, int Pid, string Started)>();
        foreach (var file in Directory.GetFiles(directory, "*.pid"))
        {
            var parts = (await File.ReadAllTextAsync(file)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var pid) && StartTime(pid) == parts[1])
            {
                alive.Add((Path.GetFileNameWithoutExtension(file), pid, parts[1]));
                log($"Stopping {Path.GetFileNameWithoutExtension(file)} (pid {pid}), left running by an earlier run of this data folder");
                NativeProcess.Signal(pid, NativeProcess.SigTerm);
            }
        }

        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (alive.Any(p => StartTime(p.Pid) == p.Started) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        foreach (var (resource, pid, started) in alive.Where(p => StartTime(p.Pid) == p.Started))
        {
            log($"{resource} (pid {pid}) did not stop within 5 s of SIGTERM: SIGKILL");
            NativeProcess.Signal(pid, NativeProcess.SigKill);
        }

        Clear();
    }

    // The process's start time, or null when there is no such live process (gone, or a zombie waiting to be reaped).
    private static string? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[0] == "Z" ? null : fields[19];
        }
        catch (IOException)
        {
            return null;
        }
    }
}
