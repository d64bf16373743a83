using System.Diagnostics.Metrics;

namespace Ticketing.WaitingRoom;

/// <summary>
/// The waiting room's instruments, on the Meter <see cref="Microsoft.Extensions.Hosting.Extensions.TicketingTelemetryName"/>
/// (exported with the rest when OTLP is on). Names follow the OpenTelemetry naming guidelines (dotted, lower case, units
/// in UCUM braces). The Api's hold and payment instruments are in <c>Ticketing.Api.Infrastructure.ApiMetrics</c>.
/// </summary>
public static class QueueMetrics
{
    /// <summary>The Meter of Ticketing's own instruments (one name in every service).</summary>
    public static readonly Meter Meter = new(Microsoft.Extensions.Hosting.Extensions.TicketingTelemetryName);

    /// <summary>Joins accepted into a waiting room (new places in line, not repeats of a live one). Tag: none.</summary>
    public static readonly Counter<long> Joins = Meter.CreateCounter<long>("ticketing.queue.joins", "{join}", "Joins accepted into a waiting room");

    /// <summary>Tokens moved from WAITING to ACTIVE by the QueueWorker.</summary>
    public static readonly Counter<long> Admissions = Meter.CreateCounter<long>("ticketing.queue.admissions", "{token}", "Tokens admitted into an active set");

    /// <summary>Tokens placed in line by a pre-queue's draw at a sale's opening (the QueueWorker's draw, once per concert).</summary>
    public static readonly Counter<long> PreQueueDrawn = Meter.CreateCounter<long>("ticketing.queue.prequeue_drawn", "{token}", "Tokens placed in line by a pre-queue draw");

    /// <summary>
    /// Open live streams of queue positions (<c>GET /api/concerts/{id}/queue/events</c>) in this process: +1 when a stream's first
    /// event is sent, −1 when it ends (ACTIVE, EXPIRED, or the client went away).
    /// </summary>
    public static readonly UpDownCounter<long> Streams = Meter.CreateUpDownCounter<long>("ticketing.queue.streams", "{stream}", "Open live streams of queue positions");

    /// <summary>Creates an observable gauge on the Ticketing meter (waiting and active counts per concert, consumer lag).</summary>
    public static ObservableGauge<long> CreateGauge(string name, string unit, string description, Func<IEnumerable<Measurement<long>>> observe) =>
        Meter.CreateObservableGauge(name, observe, unit, description);
}
