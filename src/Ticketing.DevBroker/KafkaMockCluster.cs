using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace Ticketing.DevBroker;

/// <summary>
/// The Kafka-protocol dev broker: librdkafka's mock cluster (<c>rdkafka_mock.h</c>), hosted in this process by
/// P/Invoke on the native library of the librdkafka.redist package — the build Confluent.Kafka itself loads, which also
/// exports the mock-cluster API (shared/ENVIRONMENT.md: no Kafka broker package exists here).
/// It speaks the Kafka wire protocol on a random 127.0.0.1 port — producers, idempotent producers, consumer
/// groups and offset commits work — and keeps everything in memory for as long as this object lives.
/// </summary>
public sealed partial class KafkaMockCluster : IDisposable
{
    private const string Library = "librdkafka";

    // librdkafka.redist ships two glibc builds for linux-x64, and Confluent.Kafka tries them in this order: librdkafka.so
    // (links libsasl2.so.3, which Debian 12 does not have) and centos8-librdkafka.so (dependencies linked in). The broker
    // loads whichever of them loads here, as the clients do.
    private static readonly string[] Candidates = ["librdkafka", "centos8-librdkafka.so"];
    private const int ProducerType = 0; // RD_KAFKA_PRODUCER
    private nint _handle;
    private nint _cluster;

    private KafkaMockCluster(nint handle, nint cluster, string bootstrapServers)
    {
        _handle = handle;
        _cluster = cluster;
        BootstrapServers = bootstrapServers;
    }

    /// <summary>The brokers' addresses, e.g. <c>127.0.0.1:39123</c>: the value of <c>ConnectionStrings__kafka</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>Starts a cluster of <paramref name="brokerCount"/> brokers (ready in well under a second).</summary>
    /// <exception cref="InvalidOperationException">librdkafka could not create the client or the cluster.</exception>
    /// <exception cref="DllNotFoundException">The librdkafka.redist package's native library is missing from the build output (restore and build again).</exception>
    public static KafkaMockCluster Start(int brokerCount = 1)
    {
        EnsureResolver();
        var conf = rd_kafka_conf_new();
        var error = new StringBuilder(512);
        Set(conf, "client.id", "ticketing-mock-cluster-host", error);
        Set(conf, "log_level", "3", error); // its own client has no brokers to talk to; only errors are worth printing
        // The host client itself never connects anywhere; it only owns the cluster's threads.
        var handle = rd_kafka_new(ProducerType, conf, error, (nuint)error.Capacity);
        if (handle == 0)
        {
            throw new InvalidOperationException($"rd_kafka_new failed: {error}");
        }

        var cluster = rd_kafka_mock_cluster_new(handle, brokerCount);
        if (cluster == 0)
        {
            rd_kafka_destroy(handle);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed.");
        }

        return new KafkaMockCluster(handle, cluster, Marshal.PtrToStringUTF8(rd_kafka_mock_cluster_bootstraps(cluster))!);
    }

    /// <summary>Creates <paramref name="name"/> with <paramref name="partitions"/> partitions (replication factor 1).</summary>
    /// <exception cref="InvalidOperationException">librdkafka refused (its error code is in the message).</exception>
    public void CreateTopic(string name, int partitions)
    {
        ObjectDisposedException.ThrowIf(_cluster == 0, this);
        var code = rd_kafka_mock_topic_create(_cluster, name, partitions, 1);
        if (code != 0)
        {
            throw new InvalidOperationException($"Creating topic {name} failed with librdkafka error {code}.");
        }
    }

    /// <summary>
    /// Makes broker <paramref name="brokerId"/> (1-based) advertise <paramref name="host"/>:<paramref name="port"/> in metadata
    /// instead of its own listener: clients then connect there (<see cref="TcpForwarder"/> passes the bytes on), so the address
    /// they learn stays the same across restarts of this process.
    /// </summary>
    public void Advertise(int brokerId, string host, int port)
    {
        ObjectDisposedException.ThrowIf(_cluster == 0, this);
        rd_kafka_mock_broker_set_host_port(_cluster, brokerId, host, port);
    }

    /// <summary>Stops the brokers; every topic and offset is gone.</summary>
    public void Dispose()
    {
        if (_cluster != 0)
        {
            rd_kafka_mock_cluster_destroy(_cluster);
            _cluster = 0;
        }

        if (_handle != 0)
        {
            rd_kafka_destroy(_handle);
            _handle = 0;
        }
    }

    private static int s_resolverSet;

    private static void EnsureResolver()
    {
        if (Interlocked.Exchange(ref s_resolverSet, 1) == 0)
        {
            NativeLibrary.SetDllImportResolver(typeof(KafkaMockCluster).Assembly, Resolve);
        }
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Library)
        {
            return 0;
        }

        foreach (var candidate in Candidates)
        {
            if (NativeLibrary.TryLoad(candidate, assembly, searchPath, out var handle))
            {
                return handle;
            }
        }

        return 0; // the runtime then throws DllNotFoundException with every path it tried
    }

    private static void Set(nint conf, string name, string value, StringBuilder error)
    {
        if (rd_kafka_conf_set(conf, name, value, error, (nuint)error.Capacity) != 0)
        {
            throw new InvalidOperationException($"rd_kafka_conf_set({name}) failed: {error}");
        }
    }

#pragma warning disable SA1300, IDE1006 // The C names, as rdkafka.h spells them.
    [DllImport(Library)]
    private static extern nint rd_kafka_conf_new();

    [DllImport(Library, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int rd_kafka_conf_set(nint conf, string name, string value, StringBuilder errstr, nuint errstrSize);

    [DllImport(Library, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern nint rd_kafka_new(int type, nint conf, StringBuilder errstr, nuint errstrSize);

    [DllImport(Library)]
    private static extern void rd_kafka_destroy(nint rk);

    [DllImport(Library)]
    private static extern nint rd_kafka_mock_cluster_new(nint rk, int brokerCount);

    [DllImport(Library)]
    private static extern nint rd_kafka_mock_cluster_bootstraps(nint cluster);

    [DllImport(Library, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int rd_kafka_mock_topic_create(nint cluster, string topic, int partitionCount, int replicationFactor);

    [DllImport(Library)]
    private static extern void rd_kafka_mock_cluster_destroy(nint cluster);

    [DllImport(Library, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern void rd_kafka_mock_broker_set_host_port(nint cluster, int brokerId, string host, int port);
#pragma warning restore SA1300, IDE1006
}
