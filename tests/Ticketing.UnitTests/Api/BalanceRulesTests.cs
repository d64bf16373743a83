using Ticketing.Api.Balance;

namespace Ticketing.UnitTests.Api;

public class BalanceRulesTests
{
    [Theory]
    [InlineData(1L, true)]
    [InlineData(10_000_000L, true)]
    [InlineData(0L, false)]
    [InlineData(-1L, false)]
    [InlineData(10_000_001L, false)]
    [InlineData(long.MaxValue, false)]
    [InlineData(long.MinValue, false)]
    [InlineData(null, false)]
    public void A_charge_is_a_whole_number_from_1_to_the_maximum(long? amount, bool valid) =>
        BalanceRules.IsValidChargeAmount(amount, 10_000_000).ShouldBe(valid);
}

public class PointsAmountConverterTests
{
    private sealed record Body([property: System.Text.Json.Serialization.JsonConverter(typeof(PointsAmountConverter))] long? Amount);

    [Theory]
    [InlineData("{\"amount\":5000}", 5000L)]
    [InlineData("{\"amount\":null}", null)]
    [InlineData("{}", null)]
    [InlineData("{\"amount\":1.5}", long.MinValue)]
    [InlineData("{\"amount\":1e3}", long.MinValue)]
    [InlineData("{\"amount\":9223372036854775808}", long.MinValue)]
    [InlineData("{\"amount\":-9223372036854775809}", long.MinValue)]
    public void Whole_numbers_are_read_and_every_other_number_fails_the_amount_rule(string json, long? expected)
    {
        var amount = System.Text.Json.JsonSerializer.Deserialize<Body>(json, System.Text.Json.JsonSerializerOptions.Web)!.Amount;
        amount.ShouldBe(expected);
        if (expected == long.MinValue)
        {
            BalanceRules.IsValidChargeAmount(amount, 10_000_000).ShouldBeFalse();
        }
    }

    [Fact]
    public void A_string_is_not_an_amount() =>
        Should.Throw<System.Text.Json.JsonException>(() => System.Text.Json.JsonSerializer.Deserialize<Body>("{\"amount\":\"100\"}", System.Text.Json.JsonSerializerOptions.Web));
}
