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
