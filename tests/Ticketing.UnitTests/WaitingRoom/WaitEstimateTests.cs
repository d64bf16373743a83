using Ticketing.WaitingRoom;

namespace Ticketing.UnitTests.WaitingRoom;

public class WaitEstimateTests
{
    [Theory]
    [InlineData(0, 50, 1000, 1)]     // first in line: the next tick
    [InlineData(49, 50, 1000, 1)]    // last of the first batch
    [InlineData(50, 50, 1000, 2)]    // first of the second batch
    [InlineData(999, 50, 1000, 20)]
    [InlineData(0, 1, 200, 1)]       // 0.2 s rounds up to a whole second
    [InlineData(9, 1, 200, 2)]       // 10 batches × 0.2 s
    public void The_estimate_counts_whole_batches_of_the_admission_interval(long position, int batch, int intervalMs, long expected) =>
        WaitEstimate.Seconds(position, batch, TimeSpan.FromMilliseconds(intervalMs)).ShouldBe(expected);

    [Fact]
    public void The_estimate_never_decreases_as_the_position_grows()
    {
        var previous = 0L;
        for (var position = 0; position < 10_000; position++)
        {
            var estimate = WaitEstimate.Seconds(position, 37, TimeSpan.FromMilliseconds(300));
            estimate.ShouldBeGreaterThanOrEqualTo(previous);
            previous = estimate;
        }
    }

    [Fact]
    public void A_negative_position_or_empty_batch_is_a_programming_error()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => WaitEstimate.Seconds(-1, 50, TimeSpan.FromSeconds(1)));
        Should.Throw<ArgumentOutOfRangeException>(() => WaitEstimate.Seconds(0, 0, TimeSpan.FromSeconds(1)));
    }
}

public class ObservedRateWaitEstimateTests
{
    [Fact]
    public void A_line_that_moves_slower_than_the_tick_allows_is_estimated_by_its_observed_speed()
    {
        // 50 admitted over the last 25 s (2/s): 100 ahead → 51 s, not the tick's 3 s.
        var rate = WaitEstimate.ObservedRate(50, 25_000, TimeSpan.FromSeconds(1));
        rate.ShouldBe(2.0);
        WaitEstimate.Seconds(100, 50, TimeSpan.FromSeconds(1), rate).ShouldBe(51);
    }

    [Fact]
    public void A_line_moving_at_full_tick_speed_keeps_the_tick_estimate()
    {
        // 10 steps of 50, one per second: the observed rate is at least the tick's, so the tick bound wins.
        var rate = WaitEstimate.ObservedRate(500, 9_000, TimeSpan.FromSeconds(1));
        WaitEstimate.Seconds(120, 50, TimeSpan.FromSeconds(1), rate).ShouldBe(WaitEstimate.Seconds(120, 50, TimeSpan.FromSeconds(1)));
    }

    [Theory]
    [InlineData(0L, 5_000L)]
    [InlineData(-1L, 5_000L)]
    public void Nobody_admitted_means_no_observed_rate(long admitted, long span) =>
        WaitEstimate.ObservedRate(admitted, span, TimeSpan.FromSeconds(1)).ShouldBeNull();

    [Fact]
    public void One_step_just_now_is_spread_over_one_interval_not_read_as_infinitely_fast() =>
        WaitEstimate.ObservedRate(50, 0, TimeSpan.FromMilliseconds(500)).ShouldBe(100.0);
}
