using System.Diagnostics;
using Confluent.Kafka;
using Ticketing.WaitingRoom;

namespace Ticketing.QueueWorker;

/// <summary>A consumed join not yet admitted or skipped.</summary>
/// <param name="Join">The message.</param>
/// <param name="Offset">Where it sits in the joins topic.</param>
/// <param name="Context">The trace context of its consume span (links the admission to the join's trace).</param>
public sealed record PendingJoin(JoinMessage Join, TopicPartitionOffset Offset, ActivityContext Context);

/// <summary>
/// The joins the worker has read but not yet finished, one FIFO per (partition, concert), in offset order,
/// and the offsets it may commit. The rule (at-least-once, Kafka consumer docs): the committed offset of a
/// partition is the lowest offset still pending in it, or one past the last consumed message when nothing
/// is pending — so a restart re-reads exactly what Redis may not hold yet, and a replayed join of a token
/// that is already ACTIVE or ended is skipped by the admission script (nobody is admitted twice).
/// Not thread-safe: used by the consume loop's one thread.
/// </summary>
public sealed class JoinBacklog
{
    private readonly Dictionary<(TopicPartition Partition, Guid ConcertId), Queue<PendingJoin>> _lines = [];
    private readonly Dictionary<TopicPartition, long> _nextToConsume = [];
    private readonly Dictionary<TopicPartition, long> _committed = [];

    /// <summary>How many joins are pending in all.</summary>
    public int Count { get; private set; }

    /// <summary>Adds a consumed join at the back of its concert's line.</summary>
    public void Add(PendingJoin join)
    {
        var key = (join.Offset.TopicPartition, join.Join.ConcertId);
        if (!_lines.TryGetValue(key, out var line))
        {
            _lines[key] = line = new Queue<PendingJoin>();
        }

        line.Enqueue(join);
        Count++;
        Consumed(join.Offset);
    }

    /// <summary>Records a consumed message that needs no admission (e.g. an unreadable one): it may be committed past.</summary>
    public void Consumed(TopicPartitionOffset offset) => _nextToConsume[offset.TopicPartition] = offset.Offset.Value + 1;

    /// <summary>The lines with pending joins: the concert and up to <paramref name="max"/> of its joins from the front.</summary>
    public IEnumerable<(TopicPartition Partition, Guid ConcertId, IReadOnlyList<PendingJoin> Front)> Fronts(int max)
    {
        foreach (var ((partition, concertId), line) in _lines)
        {
            if (line.Count > 0)
            {
                yield return (partition, concertId, line.Take(max).ToList());
            }
        }
    }

    /// <summary>Removes the first <paramref name="count"/> joins of a line (admitted or skipped) and returns them.</summary>
    public IReadOnlyList<PendingJoin> Complete(TopicPartition partition, Guid concertId, int count)
    {
        var done = new List<PendingJoin>(count);
        if (_lines.TryGetValue((partition, concertId), out var line))
        {
            while (done.Count < count && line.TryDequeue(out var join))
            {
                done.Add(join);
            }

            if (line.Count == 0)
            {
                _lines.Remove((partition, concertId));
            }
        }

        Count -= done.Count;
        return done;
    }

    /// <summary>
    /// The offsets to commit now: for each partition whose safe offset moved since the last call, the lowest
    /// pending offset in it, or one past its last consumed message.
    /// </summary>
    public IReadOnlyList<TopicPartitionOffset> OffsetsToCommit()
    {
        var safe = new Dictionary<TopicPartition, long>(_nextToConsume);
        foreach (var ((partition, _), line) in _lines)
        {
            if (line.TryPeek(out var head) && head.Offset.Offset.Value < safe.GetValueOrDefault(partition, long.MaxValue))
            {
                safe[partition] = head.Offset.Offset.Value;
            }
        }

        var result = new List<TopicPartitionOffset>();
        foreach (var (partition, offset) in safe)
        {
            if (!_committed.TryGetValue(partition, out var committed) || committed != offset)
            {
                result.Add(new TopicPartitionOffset(partition, new Offset(offset)));
            }
        }

        return result;
    }

    /// <summary>Records that <paramref name="offsets"/> were committed.</summary>
    public void Committed(IEnumerable<TopicPartitionOffset> offsets)
    {
        foreach (var offset in offsets)
        {
            _committed[offset.TopicPartition] = offset.Offset.Value;
        }
    }

    /// <summary>Forgets everything of partitions taken away by a rebalance: their new owner re-reads from the committed offset.</summary>
    public void Revoke(IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            foreach (var key in _lines.Keys.Where(k => k.Partition == partition).ToList())
            {
                Count -= _lines[key].Count;
                _lines.Remove(key);
            }

            _nextToConsume.Remove(partition);
            _committed.Remove(partition);
        }
    }
}
