using Ticketing.WaitingRoom;

namespace Ticketing.UnitTests.WaitingRoom;

public class JoinMessageTests
{
    [Fact]
    public void A_join_survives_the_round_trip_through_its_message_value()
    {
        var join = new JoinMessage(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), new DateTimeOffset(2026, 11, 24, 3, 0, 0, TimeSpan.Zero));
        var value = join.Serialize();
        value.ShouldContain("\"tokenId\"");
        JoinMessage.TryDeserialize(value).ShouldBe(join);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("{\"tokenId\":\"00000000-0000-0000-0000-000000000000\",\"concertId\":\"00000000-0000-0000-0000-000000000001\"}")]
    [InlineData("[1,2,3]")]
    public void A_message_that_is_not_a_join_is_recognised_as_poison(string? value) =>
        JoinMessage.TryDeserialize(value).ShouldBeNull();
}
