using Microsoft.Extensions.Configuration;
using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ticketing.AppHost.Hosting;

/// <summary>
/// Restarts a resource that exits unexpectedly, on Aspire's own APIs: DCP does not restart a crashed executable or project (the
/// dashboard only offers a button), so this service watches <see cref="ResourceNotificationService"/> and, when a resource goes
/// from running to exited without a stop being asked for, says so loudly in the AppHost's console and the resource's own log —
/// <c>!!! redis exited unexpectedly (exit code 137 at 12:01:02); restart 1 in 1 s</c> — and runs the resource's start command
/// (<see cref="ResourceCommandService"/>) after a backoff of 1 s, doubling up to 16 s. A resource that crashes
/// <see cref="MaxCrashes"/> times within 2 minutes stops the run: restarting will not heal it. <c>TICKETING_RESTARTS=off</c>
/// stops the run at the first unexpected exit instead. Resources that carry <see cref="RestartWithAnnotation"/> are restarted
/// after the resource they name comes back (the QueueWorker after the dev broker: it must read the new, empty log).
/// </summary>
public sealed class RestartOnCrash(
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    ResourceLoggerService resourceLogs,
    DistributedApplicationModel model,
    IHostApplicationLifetime lifetime,
    IConfiguration configuration,
    ILogger<RestartOnCrash> logger) : BackgroundService
{
    /// <summary>Unexpected exits of one resource within <see cref="Window"/> that stop the run.</summary>
    public const int MaxCrashes = 5;

    /// <summary>The crash-loop window.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<string, string?> _states = new();
    private readonly ConcurrentDictionary<string, Queue<DateTime>> _crashes = new();

    /// <summary>The wait before restart <paramref name="restart"/> (1-based) within the window: 1 s, 2 s, 4 s, 8 s, then 16 s.</summary>
    public static TimeSpan DelayBefore(int restart) => TimeSpan.FromSeconds(Math.Min(16, Math.Pow(2, Math.Clamp(restart - 1, 0, 10))));

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var restarts = !string.Equals(configuration["TICKETING_RESTARTS"], "off", StringComparison.OrdinalIgnoreCase);
        try
        {
            await foreach (var update in notifications.WatchAsync(stoppingToken))
            {
                var state = update.Snapshot.State?.Text;
                var previous = _states.TryGetValue(update.ResourceId, out var p) ? p : null;
                _states[update.ResourceId] = state;
                if (lifetime.ApplicationStopping.IsCancellationRequested || update.Resource is ParameterResource
                    || previous != KnownResourceStates.Running
                    || state is not ("Exited" or "Finished" or "FailedToStart"))
                {
                    continue; // a stop asked for passes through "Stopping"; only running -> exited is a crash
                }

                var exit = $"{(update.Snapshot.ExitCode is { } code and >= 0 ? $"exit code {code}" : "killed by a signal")} at {DateTime.Now:HH:mm:ss}";
                if (!restarts)
                {
                    Say(update.Resource, $"!!! {update.Resource.Name} exited unexpectedly ({exit}); TICKETING_RESTARTS=off, so the run stops.");
                    lifetime.StopApplication();
                    continue;
                }

                ScheduleRestart(update.Resource, update.ResourceId, $"{update.Resource.Name} exited unexpectedly ({exit})", stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    // Counts one crash of the resource within the window; stops the run at MaxCrashes, else restarts it after the backoff.
    private void ScheduleRestart(IResource resource, string resourceId, string what, CancellationToken cancellationToken)
    {
        var crashes = _crashes.GetOrAdd(resourceId, _ => new Queue<DateTime>());
        int count;
        lock (crashes) // the watch loop and restarts that failed both count
        {
            crashes.Enqueue(DateTime.UtcNow);
            while (crashes.Peek() < DateTime.UtcNow - Window)
            {
                crashes.Dequeue();
            }

            count = crashes.Count;
        }

        if (count >= MaxCrashes)
        {
            Say(resource, $"!!! {what}, {count} times within {Window.TotalMinutes:F0} minutes: restarting will not heal it, so the run stops. " +
                "Its log above says why.");
            lifetime.StopApplication();
            return;
        }

        var delay = DelayBefore(count);
        Say(resource, $"!!! {what}; restart {count} in {delay.TotalSeconds:F0} s");
        _ = RestartAsync(resource, resourceId, delay, cancellationToken);
    }

    private async Task RestartAsync(IResource resource, string resourceId, TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken);
            var result = await commands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand, cancellationToken);
            if (!result.Success)
            {
                // Counted as one more crash: tried again after the next backoff, until the crash limit stops the run.
                ScheduleRestart(resource, resourceId, $"{resourceId} could not be restarted ({result.Message})", cancellationToken);
                return;
            }

            var dependents = model.Resources.Where(r => r.Annotations.OfType<RestartWithAnnotation>().Any(a => a.Dependency == resource)).ToList();
            if (dependents.Count == 0)
            {
                return;
            }

            await notifications.WaitForResourceHealthyAsync(resource.Name, cancellationToken);
            foreach (var dependent in dependents)
            {
                Say(dependent, $"!!! {resourceId} is back; restarting {dependent.Name}, which must start over with it");
                foreach (var instance in _states.Where(s => s.Value == KnownResourceStates.Running && IsInstanceOf(s.Key, dependent)).Select(s => s.Key).ToList())
                {
                    var restarted = await commands.ExecuteCommandAsync(instance, KnownResourceCommands.RestartCommand, cancellationToken);
                    if (!restarted.Success)
                    {
                        // DCP gives a stopping process a few seconds (SIGTERM), then reports failure and leaves it be; a process that
                        // does not stop in time is killed (SIGKILL, the whole tree DCP reports for the instance) and started again.
                        Say(dependent, $"!!! {instance} did not stop in time ({restarted.Message}); killing it and starting it again");
                        KillProcessTree(instance);
                        await commands.ExecuteCommandAsync(instance, KnownResourceCommands.StartCommand, cancellationToken);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    // The OS process DCP reports for the instance (its "executable.pid" property), with everything it started.
    private void KillProcessTree(string instance)
    {
        if (notifications.TryGetCurrentState(instance, out var current)
            && current.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is int pid)
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
            }
            catch (ArgumentException)
            {
                // It has exited by now.
            }
        }
    }

    // A resource's instance ids are its name, or its name plus a suffix per replica ("api-x7f2k").
    private static bool IsInstanceOf(string resourceId, IResource resource) =>
        resourceId == resource.Name || resourceId.StartsWith(resource.Name + "-", StringComparison.Ordinal);

    private void Say(IResource resource, string message)
    {
        logger.LogWarning("{Message}", message);
        resourceLogs.GetLogger(resource).LogWarning("{Message}", message);
    }
}

/// <summary>Restart this resource after <paramref name="Dependency"/> was restarted by <see cref="RestartOnCrash"/>.</summary>
/// <param name="Dependency">The resource whose restart this one follows.</param>
public sealed record RestartWithAnnotation(IResource Dependency) : IResourceAnnotation;
