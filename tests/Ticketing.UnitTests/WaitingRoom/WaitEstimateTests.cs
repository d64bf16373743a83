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
