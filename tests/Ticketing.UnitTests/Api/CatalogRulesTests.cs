using Ticketing.Api.Organisers;

namespace Ticketing.UnitTests.Api;

/// <summary>The organiser's input rules (API.md "Organiser"; seed 002: seats 1..50).</summary>
public class CatalogRulesTests
{
    private static readonly DateTimeOffset Show = new(2027, 3, 1, 19, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_default_bands_cover_the_house_exactly_once() =>
        CatalogRules.CheckSeatMap([new SeatBand(1, 10, "VIP", 150_000), new SeatBand(11, 30, "R", 110_000), new SeatBand(31, 50, "S", 80_000)]).ShouldBeNull();

    [Fact]
    public void One_band_per_seat_in_any_order_is_a_seat_map() =>
        CatalogRules.CheckSeatMap([.. Enumerable.Range(1, 50).Reverse().Select(n => new SeatBand(n, n, $"G{n}", n))]).ShouldBeNull();

    [Theory]
    [InlineData(1, 49, "in no band")]
    [InlineData(2, 50, "in no band")]
    [InlineData(0, 50, "within 1 to 50")]
    [InlineData(1, 51, "within 1 to 50")]
    [InlineData(30, 20, "within 1 to 50")]
    public void A_band_outside_the_house_or_a_gap_is_refused(int from, int to, string reason) =>
        CatalogRules.CheckSeatMap([new SeatBand(from, to, "A", 100)]).ShouldNotBeNull().ShouldContain(reason);

    [Fact]
    public void A_seat_in_two_bands_is_named() =>
        CatalogRules.CheckSeatMap([new SeatBand(1, 30, "A", 100), new SeatBand(30, 50, "B", 100)]).ShouldBe("Seat 30 is in two bands.");

    [Theory]
    [InlineData("", 100)]
    [InlineData("  ", 100)]
    [InlineData("ABCDEFGHIJKLMNOPQ", 100)]
    [InlineData("A\u0000", 100)]
    [InlineData("A", 0)]
    [InlineData("A", -1)]
    [InlineData("A", 10_000_001)]
    public void A_bad_grade_or_price_is_refused(string grade, long price) =>
        CatalogRules.CheckSeatMap([new SeatBand(1, 50, grade, price)]).ShouldNotBeNull();

    [Fact]
    public void No_bands_or_an_incomplete_band_is_refused()
    {
        CatalogRules.CheckSeatMap(null).ShouldNotBeNull();
        CatalogRules.CheckSeatMap([]).ShouldNotBeNull();
        CatalogRules.CheckSeatMap([null]).ShouldNotBeNull();
        CatalogRules.CheckSeatMap([new SeatBand(1, 50, null, 100)]).ShouldNotBeNull();
        CatalogRules.CheckSeatMap([new SeatBand(1, 50, "A", null)]).ShouldNotBeNull();
    }

    [Fact]
    public void A_booking_window_opens_before_it_closes_and_closes_by_the_show()
    {
        CatalogRules.CheckWindow(Show, Show.AddDays(-30), Show).ShouldBeNull();
        CatalogRules.CheckWindow(Show, Show.AddDays(-30), Show.AddDays(-1)).ShouldBeNull();
        CatalogRules.CheckWindow(Show, Show.AddDays(-1), Show.AddDays(-1)).ShouldNotBeNull();
        CatalogRules.CheckWindow(Show, Show.AddDays(-1), Show.AddDays(-2)).ShouldNotBeNull();
        CatalogRules.CheckWindow(Show, Show.AddDays(-1), Show.AddSeconds(1)).ShouldNotBeNull();
        CatalogRules.CheckWindow(null, Show.AddDays(-1), Show).ShouldNotBeNull();
    }

    [Theory]
    [InlineData("Winter Lights", true)]
    [InlineData("", false)]
    [InlineData("   ", false)]
    [InlineData("tab\there", false)]
    [InlineData(null, false)]
    public void Concert_texts_are_1_to_200_printable_characters(string? value, bool accepted)
    {
        (CatalogRules.CheckText("title", value) is null).ShouldBe(accepted);
        CatalogRules.CheckText("title", new string('x', 200)).ShouldBeNull();
        CatalogRules.CheckText("title", new string('x', 201)).ShouldNotBeNull();
    }

    [Fact]
    public void Organiser_names_are_a_comma_separated_list_compared_without_case()
    {
        var options = new OrganiserOptions { Names = " alice, Bob ,," };
        options.IsOrganiser("ALICE").ShouldBeTrue();
        options.IsOrganiser("bob").ShouldBeTrue();
        options.IsOrganiser("carol").ShouldBeFalse();
        options.IsOrganiser("").ShouldBeFalse();
        new OrganiserOptions().IsOrganiser("alice").ShouldBeFalse();
    }
}
