using System.Diagnostics.Metrics;
using Ticketing.WaitingRoom;

namespace Ticketing.Api.Infrastructure;

/// <summary>
/// The Api's instruments of a sale, on the same Meter as the waiting room's (<see cref="QueueMetrics.Meter"/>).
/// </summary>
public static class ApiMetrics
{
    /// <summary>Hold attempts. Tag <c>outcome</c>: <c>created</c>, <c>seat_unavailable</c>, <c>limit_reached</c>.</summary>
    public static readonly Counter<long> Holds = QueueMetrics.Meter.CreateCounter<long>("ticketing.holds", "{hold}", "Hold attempts by outcome");

    /// <summary>Holds that ended: tag <c>reason</c> = <c>paid</c>, <c>released</c> or <c>expired</c> (found run out when paying).</summary>
    public static readonly Counter<long> HoldsEnded = QueueMetrics.Meter.CreateCounter<long>("ticketing.holds.ended", "{hold}", "Holds ended by reason");

    /// <summary>Payments by outcome: tag <c>outcome</c> = <c>succeeded</c> or the API error code (e.g. <c>INSUFFICIENT_BALANCE</c>).</summary>
    public static readonly Counter<long> Payments = QueueMetrics.Meter.CreateCounter<long>("ticketing.payments", "{payment}", "Payments by outcome");

    /// <summary>Reservations cancelled and refunded: tag <c>reason</c> = <c>buyer_cancelled</c> or <c>show_cancelled</c>.</summary>
    public static readonly Counter<long> Refunds = QueueMetrics.Meter.CreateCounter<long>("ticketing.refunds", "{reservation}", "Reservations refunded by reason");

    /// <summary>Requests refused by a rate limit (429 <c>RATE_LIMITED</c>): tag <c>route</c>.</summary>
    public static readonly Counter<long> RateLimited = QueueMetrics.Meter.CreateCounter<long>("ticketing.rate_limited", "{request}", "Requests refused by a rate limit");
}
