using System.ComponentModel.DataAnnotations;

namespace Ticketing.Api.Balance;

/// <summary>Balance settings, bound from <c>Ticketing:Balance</c> and validated at start-up.</summary>
public sealed class BalanceOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Ticketing:Balance";

    /// <summary>Largest single charge in points (API.md: default 10,000,000).</summary>
    [Range(1, long.MaxValue)]
    public long MaxChargeAmount { get; set; } = 10_000_000;
}
