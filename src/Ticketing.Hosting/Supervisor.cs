namespace Ticketing.Hosting;

/// <summary>A running child process as the <see cref="Supervisor"/> sees it: stopping it is disposing it.</summary>
public interface ISupervisedProcess : IAsyncDisposable
{
    /// <summary>Its process id.</summary>
    int ProcessId { get; }

    /// <summary>Completes when it ends.</summary>
    Task Exited { get; }

    /// <summary>Its exit code once <see cref="Exited"/> (128 + n when killed by signal n, e.g. 137 for SIGKILL).</summary>
    int ExitCode { get; }
}

/// <summary>How a <see cref="Supervisor"/> answers an unexpected exit.</summary>
/// <param name="Restart">Restart it (default); false: the run stops, as tests that want a dead dependency to stay dead ask.</param>
/// <param name="FirstDelay">Wait before the first restart (default 1 s); each further restart within the window waits twice as long.</param>
/// <param name="MaxDelay">Longest wait between restarts (default 16 s).</param>
/// <param name="MaxCrashes">Exits within <paramref name="Window"/> that stop the run (default 5; a crash loop is not healed by restarting).</param>
/// <param name="Window">The crash-loop window (default 2 minutes).</param>
public sealed record SupervisorOptions(bool Restart = true, TimeSpan? FirstDelay = null, TimeSpan? MaxDelay = null, int MaxCrashes = 5, TimeSpan? Window = null)
{
    /// <summary>The wait before restart number <paramref name="restart"/> (1-based) of the current window: capped exponential backoff.</summary>
    public TimeSpan DelayBefore(int restart)
    {
        var first = FirstDelay ?? TimeSpan.FromSeconds(1);
        var max = MaxDelay ?? TimeSpan.FromSeconds(16);
        var delay = first * Math.Pow(2, Math.Clamp(restart - 1, 0, 20));
        return delay > max ? max : delay;
    }
}

/// <summary>What the supervisor reports as a resource's state changes.</summary>
/// <param name="State"><c>running</c>, <c>restarting</c>, <c>failed</c> or <c>stopped</c>.</param>
/// <param name="Restarts">Restarts so far.</param>
/// <param name="LastExit">The last unexpected exit, e.g. <c>exit code 137 at 12:01:02</c>; null before any.</param>
/// <param name="ProcessId">The current process id.</param>
public sealed record SupervisedState(string State, int Restarts, string? LastExit, int ProcessId);

/// <summary>
/// Keeps one resource running, as a process supervisor would (Aspire's DCP, systemd's <c>Restart=on-failure</c> with
/// <c>StartLimitBurst</c>): an unexpected exit is logged loudly with its exit code and the resource is started again after a
/// capped exponential backoff; <see cref="SupervisorOptions.MaxCrashes"/> exits within <see cref="SupervisorOptions.Window"/>
/// stop the run with a message saying so (<see cref="Failed"/>). Disposing stops the current process and restarts no more.
/// </summary>
public sealed class Supervisor : IAsyncDisposable
{
    private readonly string _name;
    private readonly Func<CancellationToken, Task<ISupervisedProcess>> _start;
    private readonly SupervisorOptions _options;
    private readonly Action<string> _log;
    private readonly Action<SupervisedState> _report;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource<string> _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Queue<DateTime> _crashes = new();
    private readonly SemaphoreSlim _commands = new(1, 1);
    private ISupervisedProcess _current;
    private Task _watch = Task.CompletedTask;
    private bool _stoppedByRequest;
    private TaskCompletionSource? _resume; // set while stopped by request; completed (and cleared) by StartAsync
    private Task _resumed = Task.CompletedTask; // what the watch loop waits on after a stop by request
    private TaskCompletionSource? _started; // completed by the watch loop once a start by request has run
    private int _restarts;
    private string? _lastExit;

    private Supervisor(string name, ISupervisedProcess first, Func<CancellationToken, Task<ISupervisedProcess>> start, SupervisorOptions options,
        Action<string> log, Action<SupervisedState> report)
    {
        (_name, _current, _start, _options, _log, _report) = (name, first, start, options, log, report);
    }

    /// <summary>Completes, with the reason, when the resource will not run again: it exited with restarts off, or it crash-looped.</summary>
    public Task<string> Failed => _failed.Task;

    /// <summary>The current process id.</summary>
    public int ProcessId => _current.ProcessId;

    /// <summary>
    /// Starts the resource with <paramref name="start"/> (which returns once it is ready, e.g. healthy) and supervises it from
    /// then on. A failure of this first start is thrown: a resource that never came up is a start-up error, not a crash.
    /// </summary>
    public static async Task<Supervisor> StartAsync(string name, Func<CancellationToken, Task<ISupervisedProcess>> start, SupervisorOptions options,
        Action<string> log, Action<SupervisedState> report, CancellationToken cancellationToken)
    {
        var supervisor = new Supervisor(name, await start(cancellationToken), start, options, log, report);
        supervisor.Report("running");
        supervisor._watch = Task.Run(supervisor.WatchAsync, CancellationToken.None);
        return supervisor;
    }

    /// <summary>
    /// Stops the resource at a person's request (the developer view's <i>stop</i>): not a crash, and not restarted until
    /// <see cref="StartAsync()"/>. No-op when already stopped.
    /// </summary>
    public async Task StopAsync()
    {
        await _commands.WaitAsync();
        try
        {
            if (_resume is not null)
            {
                return;
            }

            _resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _resumed = _resume.Task;
            _stoppedByRequest = true;
            _log($"{_name}: stopping at the developer view's request");
            var processId = _current.ProcessId;
            await _current.DisposeAsync();
            _report(new SupervisedState("stopped", _restarts, _lastExit, processId));
        }
        finally
        {
            _commands.Release();
        }
    }

    /// <summary>
    /// Starts again a resource stopped by <see cref="StopAsync()"/> (the developer view's <i>start</i>) and returns once it is
    /// ready again (or its start failed, which then counts as a crash); no-op otherwise.
    /// </summary>
    public async Task StartAsync()
    {
        Task started;
        await _commands.WaitAsync();
        try
        {
            if (_resume is not { } resume)
            {
                return;
            }

            _resume = null;
            _started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            started = _started.Task;
            resume.TrySetResult();
        }
        finally
        {
            _commands.Release();
        }

        await started.WaitAsync(TimeSpan.FromMinutes(2));
    }

    /// <summary>Stops and starts the resource (the developer view's <i>restart</i>).</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAsync();
    }

    /// <summary>Stops supervising and stops the current process.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _watch;
        await _commands.WaitAsync();
        var processId = _resume is null ? _current.ProcessId : 0; // a process stopped by request is disposed and has no id
        if (_resume is null)
        {
            await _current.DisposeAsync();
        }

        _report(new SupervisedState("stopped", _restarts, _lastExit, processId));
        _stopping.Dispose();
    }

    private async Task WatchAsync()
    {
        var stopping = _stopping.Token;
        while (true)
        {
            await Task.WhenAny(_current.Exited, Task.Delay(Timeout.Infinite, stopping));
            if (stopping.IsCancellationRequested)
            {
                return;
            }

            if (_stoppedByRequest)
            {
                // Stopped by a person: wait for their start, then start it like the first time (not a crash).
                _stoppedByRequest = false;
                try
                {
                    await _resumed.WaitAsync(stopping);
                    _current = await _start(stopping);
                    _log($"{_name} started at the developer view's request (pid {_current.ProcessId})");
                    Report("running");
                    _started?.TrySetResult();
                    continue;
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    _lastExit = $"start failed at {DateTime.Now:HH:mm:ss}: {ex.Message.Split(Environment.NewLine)[0]}";
                    _started?.TrySetResult(); // the command is over; the failure is handled as a crash below
                }
            }
            else
            {
                _lastExit = $"exit code {_current.ExitCode} at {DateTime.Now:HH:mm:ss}";
            }

            if (!_options.Restart)
            {
                Fail($"{_name} exited by itself with code {_current.ExitCode}; restarts are off (TICKETING_RESTARTS=off): stopping the system.");
                return;
            }

            // Restart until one start succeeds; every exit and every failed start counts toward the crash-loop limit.
            while (true)
            {
                var now = DateTime.UtcNow;
                _crashes.Enqueue(now);
                while (_crashes.Peek() < now - (_options.Window ?? TimeSpan.FromMinutes(2)))
                {
                    _crashes.Dequeue();
                }

                if (_crashes.Count >= _options.MaxCrashes)
                {
                    Fail($"{_name} crashed {_crashes.Count} times within {(_options.Window ?? TimeSpan.FromMinutes(2)).TotalMinutes:0.#} minutes " +
                         $"(last: {_lastExit}); restarting will not heal it: stopping the system. See its console output above.");
                    return;
                }

                var delay = _options.DelayBefore(_crashes.Count);
                _log($"!!! {_name} exited unexpectedly ({_lastExit}); restart {_restarts + 1} in {delay.TotalSeconds:0.#} s");
                Report("restarting");
                try
                {
                    await Task.Delay(delay, stopping);
                    _current = await _start(stopping);
                    _restarts++;
                    _log($"{_name} is running again (restart {_restarts}, pid {_current.ProcessId})");
                    Report("running");
                    break;
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    _lastExit = $"start failed at {DateTime.Now:HH:mm:ss}: {ex.Message.Split(Environment.NewLine)[0]}";
                }
            }
        }
    }

    private void Fail(string reason)
    {
        _log($"!!! {reason}");
        Report("failed");
        _failed.TrySetResult(reason);
    }

    private void Report(string state) => _report(new SupervisedState(state, _restarts, _lastExit, _current.ProcessId));
}
