namespace Ticketing.IntegrationTests.Support;

/// <summary>The machine's processes as Linux's <c>/proc</c> shows them: who started whom, what runs, what is still alive.</summary>
public static class ProcessTree
{
    /// <summary>The ids of the processes whose parent is <paramref name="pid"/>.</summary>
    public static List<int> Children(int pid) =>
        [.. Directory.GetDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var id) ? id : 0)
            .Where(id => id > 0 && ParentOf(id) == pid)
            .Order()];

    /// <summary>Every process started, directly or not, by <paramref name="pid"/> (children, their children, …).</summary>
    public static List<int> Descendants(int pid)
    {
        var all = new List<int>();
        var next = new Queue<int>([pid]);
        while (next.TryDequeue(out var parent))
        {
            foreach (var child in Children(parent))
            {
                all.Add(child);
                next.Enqueue(child);
            }
        }

        return all;
    }

    /// <summary>
    /// Every process an Aspire AppHost <paramref name="pid"/> runs: its own descendants and DCP's — DCP's API server detaches
    /// (its parent is init) and watches the AppHost through <c>--monitor {pid}</c>; the resources are its controllers' children.
    /// </summary>
    public static List<int> OfAppHost(int pid)
    {
        var dcp = Directory.GetDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var id) ? id : 0)
            .Where(id => id > 0 && CommandLine(id).Contains($"--monitor {pid} ", StringComparison.Ordinal));
        return [.. Descendants(pid).Concat(dcp.SelectMany(d => Descendants(d).Prepend(d))).Distinct()];
    }

    /// <summary>Whether <paramref name="pid"/> is running (a zombie has ended: only its exit status waits for a reaper).</summary>
    public static bool IsAlive(int pid) => Stat(pid) is { } fields && fields[0] != "Z";

    /// <summary>The command line of <paramref name="pid"/>, arguments joined by spaces; empty once it has ended.</summary>
    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static int? ParentOf(int pid) => Stat(pid) is { } fields ? int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) : null;

    // The fields of /proc/{pid}/stat after "(comm)": state, ppid, …
    private static string[]? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }
}
