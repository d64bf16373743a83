using Shouldly;
using Ticketing.Api.Queue;
using Xunit;

namespace Ticketing.UnitTests.Api;

public class QueueEventsHubTests
{
    [Theory]
    [InlineData(0, 250)]   // nothing read yet: the minimum
    [InlineData(100, 250)] // a quick fan-out (a few thousand streams): still at most four reads a second
    [InlineData(125, 250)]
    [InlineData(600, 1200)] // a fan-out of most of a second: it gets at most half of the time
    public void After_a_move_the_next_full_read_waits_the_minimum_or_twice_the_last_full_reads_time(int tookMs, int intervalMs) =>
        QueueEventsHub.MoveReadInterval(TimeSpan.FromMilliseconds(tookMs)).ShouldBe(TimeSpan.FromMilliseconds(intervalMs));
}
