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

    /// <summary>Live holds one user may have across all dates of one concert (default 4; 1 to 50; API.md "Limits").</summary>
    [Range(1, 50)]
    public int MaxPerUserPerConcert { get; set; } = 4;

    /// <summary>
    /// How long a user must wait before holding again a seat they released or let expire (default 30 s; 0 to 1 hour; API.md
    /// "Limits": 409 <c>SEAT_UNAVAILABLE</c> meanwhile), so one account cannot keep a seat for ever by holding it again and again.
    /// Others may hold it at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ReholdCooldown { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a payment that has started keeps the seat even if the hold would run out meanwhile
    /// (default 30 s): the hold is claimed for the payment, so the seat cannot change hands mid-payment.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan PaymentClaim { get; set; } = TimeSpan.FromSeconds(30);
}
