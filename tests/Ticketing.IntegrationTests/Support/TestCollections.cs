namespace Ticketing.IntegrationTests.Support;

// xunit v3 runs the test classes of different collections in parallel (two at a time on 2 cores) and a collection with
// DisableParallelization alone, after all the parallel ones. The suite's short timing windows (admission TTLs, stream
// abandonment, 4 s holds, token-bucket refills) live in the parallel part; whatever loads the whole machine runs alone.
// The collections that run alone first stop the shared systems the parallel part started (QuietMachine): an idle system still
// costs ~12% of a core (the QueueWorker's 10 ms Kafka fetches against the dev broker, health checks, timers), and by the end
// of the parallel part about fifteen are up — most of two cores, taken from the crowds, the tool runs and the faults.

/// <summary>The tests that run whole AppHosts (each with DCP, a dashboard and every server): one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class AppHostRuns
{
    public const string Name = "AppHost runs";
}

/// <summary>
/// The tests that kill resources under a crowd: alone, after the other collections, so that their load and outages never
/// land in another test's short timing window.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultRuns : ICollectionFixture<QuietMachine>
{
    public const string Name = "Fault runs";
}

/// <summary>
/// The tests that load the whole machine for tens of seconds — the crowds (a thousand users, a hundred concurrent
/// cancels, the fairness line) and the tool runs (dotnet pack and a consumer build, npm's TypeScript compile): alone,
/// after the parallel collections, so that no short timing window of another test shares the machine with them (issue 16;
/// on a 2-core CI machine at load average ~20 such windows ran out).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeavyRuns : ICollectionFixture<HeavyRunsSetup>
{
    public const string Name = "Heavy runs";
}

/// <summary>
/// Set up before the fault run's first test: stops every shared system of <see cref="DefaultSystem.CustomAsync"/> (the default
/// system stays). The collections that run alone run after all the parallel ones, so no test is using them then; a test that
/// asks for one again gets a fresh one.
/// </summary>
public sealed class QuietMachine(DefaultSystem fixture) : IAsyncLifetime
{
    public ValueTask InitializeAsync() => fixture.StopCustomSystemsAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// <see cref="QuietMachine"/> for the heavy runs, which then starts their three systems (the crowd's, the expiry edge's and the
/// fairness line's) at once: starting a system is mostly waiting (DCP, health checks), so three starts overlap where one after
/// another they would take three times as long. A start that fails is left for the test that asks for the system to report.
/// </summary>
public sealed class HeavyRunsSetup(DefaultSystem fixture) : IAsyncLifetime
{
    public async ValueTask InitializeAsync()
    {
        await fixture.StopCustomSystemsAsync();
        try
        {
            await Task.WhenAll(Crowd.CrowdTests.CrowdSystemAsync(fixture), Crowd.CrowdTests.ExpiryEdgeSystemAsync(fixture),
                Crowd.FairnessTests.FairSystemAsync(fixture));
        }
        catch (InvalidOperationException)
        {
            // TestSystem.StartAsync's error (with its log's path): the first test to use that system reports it.
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
