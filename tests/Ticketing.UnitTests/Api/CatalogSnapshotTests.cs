using System.Collections.Frozen;
using Ticketing.Api.Catalog;

namespace Ticketing.UnitTests.Api;

public class CatalogSnapshotTests
{
    private static readonly Guid Concert = Guid.NewGuid();
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_sale_opens_at_the_earliest_booking_opening_of_the_dates_not_cancelled()
    {
        var snapshot = Snapshot(
            Schedule(opensAt: Now.AddDays(3)),
            Schedule(opensAt: Now.AddDays(1), cancelledAt: Now),
            Schedule(opensAt: Now.AddDays(2)));

        snapshot.SaleOpensAt(Concert).ShouldBe(Now.AddDays(2));
    }

    [Fact]
    public void A_concert_without_dates_or_with_every_date_cancelled_has_no_opening_nor_has_an_unknown_concert()
    {
        Snapshot().SaleOpensAt(Concert).ShouldBeNull();
        Snapshot(Schedule(opensAt: Now, cancelledAt: Now)).SaleOpensAt(Concert).ShouldBeNull();
        Snapshot(Schedule(opensAt: Now)).SaleOpensAt(Guid.NewGuid()).ShouldBeNull();
    }

    private static CatalogSchedule Schedule(DateTimeOffset opensAt, DateTimeOffset? cancelledAt = null) => new()
    {
        Id = Guid.NewGuid(),
        ConcertId = Concert,
        StartsAt = Now.AddDays(30),
        BookingOpensAt = opensAt,
        BookingClosesAt = Now.AddDays(29),
        CancelledAt = cancelledAt,
        Seats = [null],
    };

    private static CatalogSnapshot Snapshot(params CatalogSchedule[] schedules) => new(
        [],
        schedules.ToFrozenDictionary(s => s.Id),
        new Dictionary<Guid, IReadOnlyList<CatalogSchedule>> { [Concert] = schedules }.ToFrozenDictionary());
}
