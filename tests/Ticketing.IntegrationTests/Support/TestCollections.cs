namespace Ticketing.IntegrationTests.Support;

// xunit v3 runs the test classes of different collections in parallel (two at a time on 2 cores) and a collection with
// DisableParallelization alone, after all the parallel ones. The suite's short timing windows (admission TTLs, stream
// abandonment, 4 s holds, token-bucket refills) live in the parallel part; whatever loads the whole machine runs alone.

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
public sealed class FaultRuns
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
public sealed class HeavyRuns
{
    public const string Name = "Heavy runs";
}
