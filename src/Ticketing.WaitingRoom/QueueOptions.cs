using System.ComponentModel.DataAnnotations;

namespace Ticketing.WaitingRoom;

/// <summary>
/// Waiting-room settings, bound from <c>Ticketing:Queue</c> in both the Api and the QueueWorker and
/// validated at start-up (shared/API.md "Settings"). Every one is overridable by environment variable,
/// e.g. <c>Ticketing__Queue__ActiveCapacity=10</c>.
/// </summary>
public sealed class QueueOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Ticketing:Queue";

    /// <summary>Most ACTIVE tokens per concert at any instant (1..1,000,000; default 100).</summary>
    [Range(1, 1_000_000)]
    public int ActiveCapacity { get; set; } = 100;

    /// <summary>Most tokens admitted per concert per admission tick (1..100,000; default 50).</summary>
    [Range(1, 100_000)]
    public int AdmissionBatchSize { get; set; } = 50;

    /// <summary>Time between admission ticks (10 ms..1 min; default 1 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan AdmissionInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>An ACTIVE token with no request for this long expires (1 s..1 day; default 10 min).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ActiveTtl { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The longest an ACTIVE pass lasts after its admission however often it is polled (1 s..1 day; default 15 min; API.md
    /// "Limits"): polls stop extending it past admission + this, so a script that keeps polling cannot keep an active place for
    /// ever. A live hold keeps the pass until that hold ends (the hold script extends it), so a seat held late can still be paid.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ActiveMaxLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Open live streams one pass may have on one Api instance (1..10; default 2; API.md "Limits": a third answers 409 <c>TOO_MANY_STREAMS</c>).</summary>
    [Range(1, 10)]
    public int MaxStreamsPerPass { get; set; } = 2;

    /// <summary>A WAITING token not polled for this long loses its place (1 s..1 day; default 1 min).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan AbandonAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often an open live stream (<c>GET /api/concerts/{id}/queue/events</c>) gets a keep-alive comment (<c>: keep-alive</c>)
    /// when nothing else was sent (100 ms..5 min; default 15 s). The HTML standard's server-sent events section advises a comment
    /// "every 15 seconds or so" against proxies that drop idle connections; SignalR's keep-alive is 15 s too.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan StreamKeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Kafka topic of the joins; keyed by concert id so one concert's joins keep their order in one partition.</summary>
    [Required, MinLength(1)]
    public string JoinsTopic { get; set; } = "queue.joins";

    /// <summary>Kafka consumer group of the QueueWorker.</summary>
    [Required, MinLength(1)]
    public string ConsumerGroup { get; set; } = "queue-worker";

    /// <summary>
    /// Identifies the Kafka log the joins are in. Set by the AppHost to a new value each time it starts its in-memory dev broker,
    /// whose log does not survive a restart; the QueueWorker then puts the WAITING tokens Redis still holds back in line, in
    /// their original order (<c>LostJoinsRecovery</c>). Unset with an outside Kafka, whose log is durable: nothing is requeued.
    /// </summary>
    public string? BrokerEpoch { get; set; }

    /// <summary>How long the record of a pre-queue's draw (who was drawn, in which order, when) stays readable for an audit.</summary>
    public static readonly TimeSpan DrawRetention = TimeSpan.FromDays(90);

    /// <summary>How long a token's record stays readable after its last change (status EXPIRED can still be reported).</summary>
    public static readonly TimeSpan TokenRetention = TimeSpan.FromDays(1);
}
