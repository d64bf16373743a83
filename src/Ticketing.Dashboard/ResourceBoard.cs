using System.Collections.Concurrent;

namespace Ticketing.Dashboard;

/// <summary>A resource of the running system as the developer view lists it.</summary>
/// <param name="Name">Resource name (<c>postgres</c>, <c>api</c>, …).</param>
/// <param name="State"><c>starting</c>, <c>running</c>, <c>healthy</c>, <c>external</c>, <c>exited</c>, <c>stopped</c>.</param>
/// <param name="Endpoints">Addresses to show (URLs become links).</param>
/// <param name="Health">The resource's <c>/health</c> URL, when it has one.</param>
/// <param name="Order">Position in the list (start order).</param>
/// <param name="Restarts">How many times the supervisor restarted it after an unexpected exit.</param>
/// <param name="LastExit">Its last unexpected exit (exit code and time), or null.</param>
public sealed record ResourceEntry(string Name, string State, IReadOnlyList<string> Endpoints, Uri? Health, int Order, int Restarts = 0, string? LastExit = null);

/// <summary>The resources the AppHost started, with their state: what the developer view's front page shows.</summary>
public sealed class ResourceBoard
{
    private readonly ConcurrentDictionary<string, ResourceEntry> _resources = new();
    private readonly ConcurrentDictionary<string, Func<string, Task>> _commands = new();

    /// <summary>The commands every supervised resource offers, as Aspire's dashboard does.</summary>
    public static readonly IReadOnlyList<string> CommandNames = ["restart", "stop", "start"];
    private int _order;

    /// <summary>Adds or updates <paramref name="name"/>.</summary>
    public void Set(string name, string state, IReadOnlyList<string>? endpoints = null, Uri? health = null) =>
        _resources.AddOrUpdate(name,
            _ => new ResourceEntry(name, state, endpoints ?? [], health, Interlocked.Increment(ref _order)),
            (_, old) => old with { State = state, Endpoints = endpoints ?? old.Endpoints, Health = health ?? old.Health });

    /// <summary>Changes only the state of <paramref name="name"/> (no-op when unknown).</summary>
    public void SetState(string name, string state)
    {
        if (_resources.TryGetValue(name, out var entry))
        {
            _resources[name] = entry with { State = state };
        }
    }

    /// <summary>Records what the resource's supervisor reports (no-op when unknown).</summary>
    public void SetSupervision(string name, string state, int restarts, string? lastExit)
    {
        if (_resources.TryGetValue(name, out var entry))
        {
            _resources[name] = entry with { State = state, Restarts = restarts, LastExit = lastExit };
        }
    }

    /// <summary>Registers how to run <see cref="CommandNames"/> on <paramref name="name"/>.</summary>
    public void SetCommands(string name, Func<string, Task> run) => _commands[name] = run;

    /// <summary>True when <paramref name="name"/> takes commands.</summary>
    public bool HasCommands(string name) => _commands.ContainsKey(name);

    /// <summary>Runs <paramref name="command"/> on <paramref name="name"/>; false when either is unknown.</summary>
    public async Task<bool> RunCommandAsync(string name, string command)
    {
        if (!_commands.TryGetValue(name, out var run) || !CommandNames.Contains(command))
        {
            return false;
        }

        await run(command);
        return true;
    }

    /// <summary>All resources in start order.</summary>
    public IReadOnlyList<ResourceEntry> All => [.. _resources.Values.OrderBy(r => r.Order)];
}
