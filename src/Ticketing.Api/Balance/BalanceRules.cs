namespace Ticketing.Api.Balance;

/// <summary>Pure rules of the point balance (API.md "Balance").</summary>
public static class BalanceRules
{
    /// <summary>
    /// A charge is a whole number of points from 1 to <paramref name="maxChargeAmount"/> (default 10,000,000);
    /// anything else, or nothing, is 400 <c>INVALID_AMOUNT</c>.
    /// </summary>
    public static bool IsValidChargeAmount(long? amount, long maxChargeAmount) => amount is > 0 && amount <= maxChargeAmount;
}
