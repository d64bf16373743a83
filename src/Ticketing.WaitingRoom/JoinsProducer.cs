using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Ticketing.WaitingRoom.Hosting;

namespace Ticketing.WaitingRoom;

/// <summary>
/// Writes joins to the joins topic (<see cref="QueueOptions.JoinsTopic"/>) with an idempotent producer
/// (<c>acks=all</c>, <c>enable.idempotence=true</c>; Confluent.Kafka docs), keyed by concert id so a concert's
/// joins stay in one partition in order. The publish span's context goes into the message headers
/// (<see cref="KafkaTracing.Inject"/>) so the QueueWorker continues the join's trace.
/// </summary>
public sealed class JoinsProducer : IDisposable
{
    private static readonly ActivitySource Source = new(Microsoft.Extensions.Hosting.Extensions.TicketingTelemetryName);
    private readonly IProducer<string, string> _producer;
    private readonly string _topic;

    /// <summary>Creates the producer against <see cref="KafkaConnection.BootstrapServers"/>.</summary>
    public JoinsProducer(KafkaConnection kafka, IOptions<QueueOptions> options, ILogger<JoinsProducer> logger)
    {
        _topic = options.Value.JoinsTopic;
        _producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            ClientId = AppDomain.CurrentDomain.FriendlyName, // the service: Ticketing.Api, Ticketing.QueueWorker
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 2,
            MessageTimeoutMs = 10_000,
        })
        .SetLogHandler((_, message) => logger.LogInformation("librdkafka {Facility}: {Message}", message.Facility, message.Message))
        .SetErrorHandler((_, error) => logger.LogWarning("Kafka producer error {Code}: {Reason}", error.Code, error.Reason))
        .Build();
    }

    /// <summary>
    /// Writes <paramref name="join"/> and waits for the broker's acknowledgement.
    /// Returns the message's offset in its partition (the join's place in the concert's order).
    /// </summary>
    /// <exception cref="ProduceException{TKey, TValue}">Kafka did not take the message (broker down, timeout).</exception>
    public async Task<long> ProduceAsync(JoinMessage join, CancellationToken cancellationToken)
    {
        using var activity = Source.StartActivity($"{_topic} publish", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.operation.type", "publish");
        activity?.SetTag("messaging.destination.name", _topic);
        activity?.SetTag("messaging.kafka.message.key", join.ConcertId.ToString());

        var headers = KafkaTracing.Inject(activity ?? Activity.Current);
        var result = await _producer.ProduceAsync(_topic,
            new Message<string, string> { Key = join.ConcertId.ToString("N"), Value = join.Serialize(), Headers = headers },
            cancellationToken);
        activity?.SetTag("messaging.destination.partition.id", result.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        activity?.SetTag("messaging.kafka.offset", result.Offset.Value);
        return result.Offset.Value;
    }

    /// <summary>Flushes what is in flight (up to 5 s) and closes the producer.</summary>
    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
    }
}
