using Ticketing.Web.Services;

namespace Ticketing.UnitTests.Web;

public class WaitingRoomTextTests
{
    [Theory]
    [InlineData(0, "people ahead of you")]
    [InlineData(1, "person ahead of you")]
    [InlineData(2, "people ahead of you")]
    [InlineData(1000, "people ahead of you")]
    public void One_person_is_singular_and_every_other_count_plural(long position, string words) =>
        WaitingRoomText.AheadOfYou(position).ShouldBe(words);

    [Theory]
    [InlineData(0, "less than a minute")]
    [InlineData(59, "less than a minute")]
    [InlineData(60, "about 1 minute")]
    [InlineData(61, "about 2 minutes")]
    [InlineData(7140, "about 119 minutes")]
    [InlineData(7141, "about 2 h 00 min")]
    [InlineData(7261, "about 2 h 02 min")]
    public void The_wait_is_told_in_whole_minutes_rounded_up_then_hours(long seconds, string words) =>
        WaitingRoomText.Wait(seconds).ShouldBe(words);

    [Theory]
    [InlineData(null, 5L, 0)]
    [InlineData(10L, 10L, 0)]
    [InlineData(10L, 5L, 50)]
    [InlineData(3L, 1L, 67)]
    [InlineData(8L, 1L, 88)]
    [InlineData(10L, 0L, 100)]
    [InlineData(0L, 0L, 100)]
    [InlineData(2L, 3L, 0)]
    public void Progress_is_the_share_of_those_ahead_at_the_join_who_are_no_longer_ahead(long? start, long position, int percent) =>
        WaitingRoomText.Progress(start, position).ShouldBe(percent);

    [Fact]
    public void The_sales_opening_is_told_in_UTC_with_its_weekday_whatever_the_offset_it_comes_with() =>
        WaitingRoomText.Moment(new DateTimeOffset(2026, 12, 24, 19, 30, 0, TimeSpan.FromHours(9))).ShouldBe("Thu 24 Dec 2026, 10:30 UTC");
}
