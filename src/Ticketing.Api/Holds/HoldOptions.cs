using System.ComponentModel.DataAnnotations;

namespace Ticketing.Api.Holds;

/// <summary>Hold settings, bound from <c>Ticketing:Holds</c> and validated at start-up (API.md "Settings").</summary>
public sealed class HoldOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Ticketing:Holds";

    /// <summary>How long a hold keeps a seat (default 5 minutes, seeds 001/002; 1 second to 1 hour).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Live holds one user may have on one schedule (default 4; 1 to 50).</summary>
    [Range(1, 50)]
    public int MaxPerUserPerSchedule { get; set; } = 4;

    /// <summary>
    /// How long a payment that has started keeps the seat even if the hold would run out meanwhile
    /// (default 30 s): the hold is claimed for the payment, so the seat cannot change hands mid-payment.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan PaymentClaim { get; set; } = TimeSpan.FromSeconds(30);
}
