using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Ticketing.WaitingRoom;
using Ticketing.WaitingRoom.Hosting;

namespace Ticketing.QueueWorker;

/// <summary>
/// Reads the joins topic as a member of the consumer group <see cref="QueueOptions.ConsumerGroup"/> and admits each concert's
/// joins in offset order (FIFO) into the concert's Redis active set, at most <see cref="QueueOptions.AdmissionBatchSize"/> per
/// step and never above <see cref="QueueOptions.ActiveCapacity"/> (ARCHITECTURE.md flow 2). An admission step runs for a
/// concert as soon as joins arrive while its active set has room, and as soon as a slot is freed by a leave or a payment
/// (Redis pub/sub, <see cref="QueueKeys.SlotsFreedChannel"/>); every <see cref="QueueOptions.AdmissionInterval"/> a tick runs a
/// step for every concert (slots freed by expiry) and commits. Offsets are committed by hand, and only past joins that Redis
/// already holds as admitted or skipped (<see cref="JoinBacklog"/>). A step that admits or drops anyone from the waiting line
/// publishes the concert on <see cref="QueueKeys.LineMovedChannel"/> (inside its script), which moves the Apis' live streams.
/// </summary>
/// <remarks>
/// Any librdkafka consumer property can be added under <c>Kafka:Consumer</c> (e.g. <c>Kafka__Consumer__debug=cgrp</c>),
/// as Aspire's Confluent.Kafka integration allows under its own section.
/// </remarks>
public sealed class AdmissionWorker(
    KafkaConnection kafka, WaitingRoomStore store, IOptions<QueueOptions> options, TimeProvider clock, IConfiguration configuration,
    ILogger<AdmissionWorker> logger)
    : BackgroundService
{
    private static readonly ActivitySource Source = RedisTracing.Source;
    private readonly ConcurrentDictionary<Guid, (long Active, long Waiting)> _lineSizes = new();
    private readonly ConcurrentDictionary<int, long> _lag = new();
    private readonly ConcurrentQueue<Guid> _freed = new();
    private int _pending;

    /// <summary>Most messages taken from the client's fetched queue before an admission step runs for them.</summary>
    private const int DrainLimit = 5000;

    /// <summary>Longest a Consume call blocks, so freed slots are noticed within this long (ms).</summary>
    private const int PollMs = 20;

    /// <summary>Joins offered to one admission step beyond the batch size, so ended tokens in front are skipped in bulk.</summary>
    private const int SkipAhead = 1000;

    /// <inheritdoc />
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        QueueMetrics.CreateGauge("ticketing.queue.active", "{token}", "ACTIVE tokens per concert (last admission step)",
            () => _lineSizes.Select(l => new Measurement<long>(l.Value.Active, new KeyValuePair<string, object?>("ticketing.concert_id", l.Key.ToString()))));
        QueueMetrics.CreateGauge("ticketing.queue.waiting", "{token}", "WAITING tokens per concert (last admission step)",
            () => _lineSizes.Select(l => new Measurement<long>(l.Value.Waiting, new KeyValuePair<string, object?>("ticketing.concert_id", l.Key.ToString()))));
        QueueMetrics.CreateGauge("ticketing.queue.consumer_lag", "{message}", "Joins in the topic not yet read by the worker, per partition",
            () => _lag.Select(l => new Measurement<long>(l.Value, new KeyValuePair<string, object?>("messaging.destination.partition.id", l.Key.ToString(System.Globalization.CultureInfo.InvariantCulture)))));
        QueueMetrics.CreateGauge("ticketing.queue.pending", "{join}", "Joins read but not yet admitted or skipped", () => [new Measurement<long>(Volatile.Read(ref _pending))]);
        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        // Consume() blocks, so the loop gets a thread of its own rather than a thread-pool one.
        Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var backlog = new JoinBacklog();
        var config = new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = settings.ConsumerGroup,
            ClientId = "ticketing-queueworker",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // A crashed worker's partitions move to a live one after this long (Kafka's default is 45 s; the
            // broker's minimum is 6 s). A clean stop leaves the group at once instead.
            SessionTimeoutMs = 10_000,
            HeartbeatIntervalMs = 3_000,
            // A fetch the broker has no new joins for returns after at most this long (librdkafka's default is 500 ms): a join
            // that arrives meanwhile is read within ~10 ms, so a person with room in the active set is admitted at once.
            FetchWaitMaxMs = 10,
        };
        foreach (var (key, value) in configuration.GetSection("Kafka:Consumer").AsEnumerable(makePathsRelative: true))
        {
            if (value is not null)
            {
                config.Set(key, value);
            }
        }

        using var consumer = new ConsumerBuilder<string, string>(config)
        .SetLogHandler((_, message) => logger.LogInformation("librdkafka {Facility}: {Message}", message.Facility, message.Message))
        .SetErrorHandler((_, error) => logger.LogWarning("Kafka consumer error {Code}: {Reason}", error.Code, error.Reason))
        .SetPartitionsAssignedHandler((_, partitions) => logger.LogInformation("Assigned {Partitions}", string.Join(", ", partitions)))
        .SetPartitionsRevokedHandler((c, partitions) =>
        {
            var revoked = partitions.Select(p => p.TopicPartition).ToHashSet();
            Commit(c, backlog, backlog.OffsetsToCommit().Where(o => revoked.Contains(o.TopicPartition)).ToList());
            backlog.Revoke(revoked);
            logger.LogInformation("Revoked {Partitions}", string.Join(", ", revoked));
        })
        .Build();

        consumer.Subscribe(settings.JoinsTopic);
        logger.LogInformation("Consuming {Topic} as group {Group}; admitting up to {Batch} every {Interval} ms into active sets of {Capacity}",
            settings.JoinsTopic, settings.ConsumerGroup, settings.AdmissionBatchSize, settings.AdmissionInterval.TotalMilliseconds, settings.ActiveCapacity);

        try
        {
            store.SubscribeSlotsFreedAsync(_freed.Enqueue).GetAwaiter().GetResult();
        }
        catch (StackExchange.Redis.RedisException ex)
        {
            logger.LogWarning(ex, "Could not subscribe to freed slots; slots freed by a leave or a payment are filled at the next tick");
        }

        var nextTick = clock.GetUtcNow();
        var arrived = new HashSet<Guid>();
        var freed = new HashSet<Guid>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var wait = nextTick - clock.GetUtcNow();
                var result = consumer.Consume(wait > TimeSpan.Zero ? TimeSpan.FromMilliseconds(Math.Min(wait.TotalMilliseconds, PollMs)) : TimeSpan.Zero);
                // What the client has already fetched is taken in one go, so one admission step serves a burst of joins.
                for (var taken = 0; result is { Message: not null }; result = ++taken < DrainLimit ? consumer.Consume(TimeSpan.Zero) : null)
                {
                    if (Accept(result, backlog, settings.JoinsTopic) is { } concertId)
                    {
                        arrived.Add(concertId);
                    }
                }

                while (_freed.TryDequeue(out var concertId))
                {
                    freed.Add(concertId);
                    // The concert has room again until its next step says otherwise. Without this, a slot freed before the joins
                    // behind it reached this worker (the freed step then had no one to admit) stayed empty until the next tick:
                    // the joins, arriving, saw the last step's full active set (HasRoom).
                    if (_lineSizes.TryGetValue(concertId, out var sizes))
                    {
                        _lineSizes.TryUpdate(concertId, (Math.Max(0, sizes.Active - 1), sizes.Waiting), sizes);
                    }
                }

                if (clock.GetUtcNow() >= nextTick)
                {
                    AdmitAll(backlog, settings, null, stoppingToken);
                    Commit(consumer, backlog, backlog.OffsetsToCommit());
                    MeasureLag(consumer);
                    nextTick = clock.GetUtcNow() + settings.AdmissionInterval;
                }
                else if (arrived.Count > 0 || freed.Count > 0)
                {
                    // New joins where the active set had room at its last step, and concerts whose slots were just freed.
                    AdmitAll(backlog, settings, concertId => freed.Contains(concertId) || (arrived.Contains(concertId) && HasRoom(concertId, settings)), stoppingToken);
                }
                else
                {
                    continue;
                }

                arrived.Clear();
                freed.Clear();
                Volatile.Write(ref _pending, backlog.Count);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            Commit(consumer, backlog, backlog.OffsetsToCommit());
            consumer.Close(); // leaves the group at once, so a restarted worker gets the partitions without waiting for a session timeout
            logger.LogInformation("Left consumer group {Group}", settings.ConsumerGroup);
        }
    }

    /// <summary>True unless the concert's last admission step left its active set full.</summary>
    private bool HasRoom(Guid concertId, QueueOptions settings) =>
        !_lineSizes.TryGetValue(concertId, out var sizes) || sizes.Active < settings.ActiveCapacity;

    // Returns the join's concert, or null for an unreadable message.
    private Guid? Accept(ConsumeResult<string, string> result, JoinBacklog backlog, string topic)
    {
        var parent = KafkaTracing.Extract(result.Message.Headers);
        using var activity = Source.StartActivity($"{topic} receive", ActivityKind.Consumer, parent);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.operation.type", "receive");
        activity?.SetTag("messaging.destination.name", topic);
        activity?.SetTag("messaging.consumer.group.name", options.Value.ConsumerGroup);
        activity?.SetTag("messaging.destination.partition.id", result.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        activity?.SetTag("messaging.kafka.offset", result.Offset.Value);

        var join = JoinMessage.TryDeserialize(result.Message.Value);
        if (join is null)
        {
            logger.LogWarning("Skipping unreadable message at {Offset}", result.TopicPartitionOffset);
            backlog.Consumed(result.TopicPartitionOffset);
            return null;
        }

        backlog.Add(new PendingJoin(join, result.TopicPartitionOffset, activity?.Context ?? parent));
        return join.ConcertId;
    }

    // One admission step for each concert with pending joins, or only those 'which' picks.
    private void AdmitAll(JoinBacklog backlog, QueueOptions settings, Func<Guid, bool>? which, CancellationToken stoppingToken)
    {
        foreach (var (partition, concertId, front) in backlog.Fronts(settings.AdmissionBatchSize + SkipAhead).ToList())
        {
            if (which is not null && !which(concertId))
            {
                continue;
            }

            stoppingToken.ThrowIfCancellationRequested();
            var startedAt = DateTime.UtcNow;
            AdmissionResult step;
            using (var batch = Source.StartActivity("admit", ActivityKind.Internal, default(ActivityContext),
                links: front.Take(settings.AdmissionBatchSize).Where(j => j.Context != default).Select(j => new ActivityLink(j.Context))))
            {
                batch?.SetTag("ticketing.concert_id", concertId.ToString());
                batch?.SetTag("ticketing.candidates", front.Count);
                try
                {
                    var candidates = front.Select(j => j.Join.TokenId).ToList();
                    step = store.AdmitAsync(concertId, candidates, clock.GetUtcNow(), settings).GetAwaiter().GetResult();
                    if (step.PreQueueOpensAt is { } opensAt && clock.GetUtcNow() >= opensAt)
                    {
                        // The sale has opened and its pre-queue stops the line: draw it, then admit in the drawn order at once.
                        Draw(concertId, opensAt, settings);
                        step = store.AdmitAsync(concertId, candidates, clock.GetUtcNow(), settings).GetAwaiter().GetResult();
                    }
                }
                catch (StackExchange.Redis.RedisException ex)
                {
                    // Nothing was committed past these joins; the next tick tries again.
                    batch?.SetStatus(ActivityStatusCode.Error, ex.Message);
                    logger.LogWarning(ex, "Admission for concert {ConcertId} failed; retrying next tick", concertId);
                    continue;
                }

                batch?.SetTag("ticketing.admitted", step.Admitted);
            }

            backlog.Complete(partition, concertId, step.Processed);
            _lineSizes[concertId] = (step.ActiveCount, step.WaitingCount);
            if (step.Admitted == 0)
            {
                continue;
            }

            QueueMetrics.Admissions.Add(step.Admitted);
            TraceAdmissions(front, step.AdmittedTokens, settings.JoinsTopic, startedAt);
            logger.LogDebug("Admitted {Admitted} to concert {ConcertId}: active {Active}/{Capacity}, waiting {Waiting}",
                step.Admitted, concertId, step.ActiveCount, settings.ActiveCapacity, step.WaitingCount);
        }
    }

    // The pre-queue's draw (WaitingRoomStore.DrawAsync), traced and logged: the log line is part of the draw's audit trail.
    private void Draw(Guid concertId, DateTimeOffset opensAt, QueueOptions settings)
    {
        using var activity = Source.StartActivity("draw pre-queue", ActivityKind.Internal);
        activity?.SetTag("ticketing.concert_id", concertId.ToString());
        var (drawnNow, count) = store.DrawAsync(concertId, clock.GetUtcNow(), settings).GetAwaiter().GetResult();
        activity?.SetTag("ticketing.drawn", count);
        if (drawnNow)
        {
            QueueMetrics.PreQueueDrawn.Add(count);
            logger.LogInformation("Drew the pre-queue of concert {ConcertId} at its opening {OpensAt:O}: {Count} tokens placed in a random order ahead of later joins",
                concertId, opensAt, count);
        }
    }

    /// <summary>
    /// One <c>{topic} process</c> span per admitted join, child of that join's receive span, so the trace that began with
    /// the person's click on "join" ends with their admission (OpenTelemetry messaging conventions: a batch's per-message work).
    /// </summary>
    private static void TraceAdmissions(IReadOnlyList<PendingJoin> front, IReadOnlyList<Guid> admitted, string topic, DateTime startedAt)
    {
        if (!Source.HasListeners())
        {
            return;
        }

        var byToken = front.ToDictionary(j => j.Join.TokenId);
        foreach (var tokenId in admitted)
        {
            if (!byToken.TryGetValue(tokenId, out var join) || join.Context == default)
            {
                continue;
            }

            using var activity = Source.StartActivity($"{topic} process", ActivityKind.Consumer, join.Context, startTime: startedAt);
            activity?.SetTag("messaging.system", "kafka");
            activity?.SetTag("messaging.operation.type", "process");
            activity?.SetTag("messaging.destination.name", topic);
            activity?.SetTag("messaging.kafka.offset", join.Offset.Offset.Value);
            activity?.SetTag("ticketing.concert_id", join.Join.ConcertId.ToString());
            activity?.SetTag("ticketing.token_id", tokenId.ToString());
            activity?.AddEvent(new ActivityEvent("admitted"));
        }
    }

    private void MeasureLag(IConsumer<string, string> consumer)
    {
        foreach (var partition in consumer.Assignment)
        {
            var watermarks = consumer.GetWatermarkOffsets(partition);
            var position = consumer.Position(partition);
            if (watermarks.High.Value >= 0 && position.Value >= 0)
            {
                _lag[partition.Partition.Value] = Math.Max(0, watermarks.High.Value - position.Value);
            }
        }
    }

    private void Commit(IConsumer<string, string> consumer, JoinBacklog backlog, IReadOnlyList<TopicPartitionOffset> offsets)
    {
        if (offsets.Count == 0)
        {
            return;
        }

        try
        {
            consumer.Commit(offsets);
            backlog.Committed(offsets);
        }
        catch (KafkaException ex)
        {
            logger.LogWarning(ex, "Offset commit failed; retrying next tick");
        }
    }
}
