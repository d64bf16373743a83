using Ticketing.Api.Infrastructure;
using Ticketing.Api.Users;

namespace Ticketing.UnitTests.Api;

public class PasswordWorkTests
{
    [Fact]
    public async Task Forty_hashes_at_once_run_at_most_cores_minus_one_at_a_time_and_all_finish()
    {
        using var work = new PasswordWork();
        var running = 0;
        var most = 0;
        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => work.RunAsync(() =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            Thread.Sleep(5); // a PBKDF2 run holds its thread
            Interlocked.Decrement(ref running);
            return i;
        }, CancellationToken.None))));

        results.ShouldBe(Enumerable.Range(0, 40));
        most.ShouldBeInRange(1, Math.Max(1, Environment.ProcessorCount - 1));
    }

    [Fact]
    public void A_full_queue_is_a_503_not_a_500()
    {
        DependencyFailures.IsUnavailable(new PasswordWork.BusyException()).ShouldBeTrue();
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
