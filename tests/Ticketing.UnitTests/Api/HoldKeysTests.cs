using Ticketing.Api.Holds;

namespace Ticketing.UnitTests.Api;

public class HoldKeysTests
{
    private static readonly Guid Schedule = Guid.Parse("11111111-2222-3333-4444-555555555555");
    private static readonly Guid Hold = Guid.Parse("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    private static readonly Guid User = Guid.Parse("99999999-8888-7777-6666-555555555555");

    [Fact]
    public void The_seat_lock_key_names_schedule_and_seat() =>
        HoldKeys.Seat(Schedule, 7).ShouldBe("hold:11111111222233334444555555555555:7");

    [Fact]
    public void Different_seats_of_one_schedule_have_different_lock_keys() =>
        HoldKeys.Seat(Schedule, 1).ShouldNotBe(HoldKeys.Seat(Schedule, 11));

    [Fact]
    public void The_seat_lock_value_starts_with_the_32_character_hold_id()
    {
        // The create script reads the hold id back as the first 32 characters of the value.
        var value = HoldKeys.SeatValue(Hold, User);
        value[..32].ShouldBe(Hold.ToString("N"));
        value.ShouldBe($"{Hold:N}|{User:N}");
    }

    [Fact]
    public void Record_and_user_index_keys_do_not_collide_with_seat_locks()
    {
        HoldKeys.Record(Hold).ShouldStartWith("hold:id:");
        HoldKeys.UserHolds(User, Schedule).ShouldStartWith("hold:user:");
    }
}
