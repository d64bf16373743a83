using System.Diagnostics.Metrics;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The instruments an operator watches during a sale, on the Meter <see cref="Extensions.TicketingTelemetryName"/>
/// (exported with the rest when OTLP is on). Names follow the OpenTelemetry naming guidelines (dotted, lower case,
/// units in UCUM braces). Request durations come from ASP.NET Core's own <c>http.server.request.duration</c>.
/// </summary>
public static class TicketingMetrics
{
    private static readonly Meter Meter = new(Extensions.TicketingTelemetryName);

    /// <summary>Joins accepted into a waiting room (new places in line, not repeats of a live one). Tag: none.</summary>
    public static readonly Counter<long> Joins = Meter.CreateCounter<long>("ticketing.queue.joins", "{join}", "Joins accepted into a waiting room");

    /// <summary>Tokens moved from WAITING to ACTIVE by the QueueWorker.</summary>
    public static readonly Counter<long> Admissions = Meter.CreateCounter<long>("ticketing.queue.admissions", "{token}", "Tokens admitted into an active set");

    /// <summary>Holds created. Tag <c>outcome</c>: <c>created</c>, <c>seat_unavailable</c>, <c>limit_reached</c>.</summary>
    public static readonly Counter<long> Holds = Meter.CreateCounter<long>("ticketing.holds", "{hold}", "Hold attempts by outcome");

    /// <summary>Holds that ended: tag <c>reason</c> = <c>paid</c>, <c>released</c> or <c>expired</c> (found run out when paying).</summary>
    public static readonly Counter<long> HoldsEnded = Meter.CreateCounter<long>("ticketing.holds.ended", "{hold}", "Holds ended by reason");

    /// <summary>Payments by outcome: tag <c>outcome</c> = <c>succeeded</c> or the API error code (e.g. <c>INSUFFICIENT_BALANCE</c>).</summary>
    public static readonly Counter<long> Payments = Meter.CreateCounter<long>("ticketing.payments", "{payment}", "Payments by outcome");

    /// <summary>Creates an observable gauge on the Ticketing meter (waiting and active counts per concert, consumer lag).</summary>
    public static ObservableGauge<long> CreateGauge(string name, string unit, string description, Func<IEnumerable<Measurement<long>>> observe) =>
        Meter.CreateObservableGauge(name, observe, unit, description);
}
