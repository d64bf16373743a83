using Ticketing.WaitingRoom;

namespace Ticketing.UnitTests.WaitingRoom;

public class LineMoveTests
{
    private static readonly Guid Concert = Guid.Parse("11111111-2222-3333-4444-555555555555");

    [Fact]
    public void A_bare_concert_id_is_a_move_that_admitted_nobody()
    {
        LineMove.TryParse(Concert.ToString("N"), out var move).ShouldBeTrue();
        move.ConcertId.ShouldBe(Concert);
        move.Admitted.ShouldBeEmpty();
    }

    [Fact]
    public void The_admitted_tokens_follow_the_concert_in_the_order_admit_lua_wrote_them()
    {
        Guid[] tokens = [Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid()];
        LineMove.TryParse($"{Concert:N}:{string.Join(',', tokens.Select(t => t.ToString("N")))}", out var move).ShouldBeTrue();
        move.ConcertId.ShouldBe(Concert);
        move.Admitted.ShouldBe(tokens);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-concert")]
    [InlineData("11111111-2222-3333-4444-555555555555")] // "D" format: the scripts write "N"
    [InlineData("11111111222233334444555555555555:")]
    [InlineData("11111111222233334444555555555555:zzzz")]
    [InlineData("11111111222233334444555555555555:aaaaaaaabbbbccccddddeeeeeeeeeeee,")]
    public void Anything_else_is_not_a_move(string message) => LineMove.TryParse(message, out _).ShouldBeFalse();
}
