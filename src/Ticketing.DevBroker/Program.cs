// Ticketing.DevBroker: the Kafka-protocol broker for development and tests (librdkafka's mock cluster), run by the AppHost as
// an executable resource. Everything it holds is in memory: a restart starts an empty log (the QueueWorker requeues the people
// who were waiting; README "Restarting on the same data").
//   DEVBROKER_PORT=19092 DEVBROKER_TOPICS=queue.joins:8 dotnet Ticketing.DevBroker.dll
using System.Globalization;
using System.Runtime.InteropServices;
using Ticketing.DevBroker;

var port = int.TryParse(Environment.GetEnvironmentVariable("DEVBROKER_PORT"), CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536
    ? p
    : throw new InvalidOperationException("DEVBROKER_PORT must be a TCP port (1-65535): the address clients bootstrap from and the broker advertises.");
var topics = (Environment.GetEnvironmentVariable("DEVBROKER_TOPICS") ?? "")
    .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
    .Select(t => t.Split(':') is [var name, var partitions] && int.TryParse(partitions, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 1000
        ? (Name: name, Partitions: n)
        : throw new InvalidOperationException($"DEVBROKER_TOPICS entry '{t}' is not name:partitions (1-1000)."))
    .ToArray();

using var cluster = KafkaMockCluster.Start(brokerCount: 1);
foreach (var (name, partitions) in topics)
{
    cluster.CreateTopic(name, partitions);
}

cluster.Advertise(brokerId: 1, "127.0.0.1", port);
await using var forwarder = new TcpForwarder(port, cluster.BootstrapServers);
forwarder.Start(); // listening means ready: the AppHost's health check connects here
Console.WriteLine($"Kafka dev broker (librdkafka mock cluster) ready on 127.0.0.1:{port}; topics: {string.Join(", ", topics.Select(t => $"{t.Name} ({t.Partitions} partitions)"))}");

var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stopped.TrySetResult(); });
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stopped.TrySetResult(); });
await stopped.Task;
Console.WriteLine("Kafka dev broker stopping; its log is gone.");
