using Confluent.Kafka;
using Ticketing.QueueWorker;
using Ticketing.WaitingRoom;

namespace Ticketing.UnitTests.WaitingRoom;

public class JoinBacklogTests
{
    private static readonly TopicPartition P0 = new("joins", 0);
    private static readonly TopicPartition P1 = new("joins", 1);
    private static readonly Guid ConcertA = Guid.NewGuid();
    private static readonly Guid ConcertB = Guid.NewGuid();

    private static PendingJoin Join(TopicPartition partition, long offset, Guid concert) =>
        new(new JoinMessage(Guid.NewGuid(), Guid.NewGuid(), concert, DateTimeOffset.UnixEpoch), new TopicPartitionOffset(partition, offset), default);

    [Fact]
    public void Nothing_is_committed_past_a_join_that_is_still_pending()
    {
        var backlog = new JoinBacklog();
        backlog.Add(Join(P0, 10, ConcertA));
        backlog.Add(Join(P0, 11, ConcertB));
        backlog.Add(Join(P0, 12, ConcertA));

        backlog.OffsetsToCommit().ShouldBe([new TopicPartitionOffset(P0, 10)]);

        // Concert A's first join is done, but B's (offset 11) is not: commit up to 11, not past it.
        backlog.Complete(P0, ConcertA, 1).Count.ShouldBe(1);
        backlog.OffsetsToCommit().ShouldBe([new TopicPartitionOffset(P0, 11)]);

        backlog.Complete(P0, ConcertB, 1);
        backlog.OffsetsToCommit().ShouldBe([new TopicPartitionOffset(P0, 12)]);

        backlog.Complete(P0, ConcertA, 1);
        backlog.OffsetsToCommit().ShouldBe([new TopicPartitionOffset(P0, 13)]);
        backlog.Count.ShouldBe(0);
    }

    [Fact]
    public void An_offset_already_committed_is_not_committed_again()
    {
        var backlog = new JoinBacklog();
        backlog.Add(Join(P0, 0, ConcertA));
        backlog.Complete(P0, ConcertA, 1);
        var offsets = backlog.OffsetsToCommit();
        backlog.Committed(offsets);
        backlog.OffsetsToCommit().ShouldBeEmpty();
    }

    [Fact]
    public void Fronts_are_in_offset_order_per_concert_and_capped()
    {
        var backlog = new JoinBacklog();
        var joins = Enumerable.Range(0, 5).Select(i => Join(P1, 100 + i, ConcertA)).ToList();
        joins.ForEach(backlog.Add);
        backlog.Add(Join(P0, 7, ConcertB));

        var fronts = backlog.Fronts(3).ToList();
        fronts.Count.ShouldBe(2);
        var a = fronts.Single(f => f.ConcertId == ConcertA);
        a.Front.Select(j => j.Offset.Offset.Value).ShouldBe([100L, 101, 102]);
        backlog.Complete(P1, ConcertA, 2).Select(j => j.Join.TokenId).ShouldBe(joins.Take(2).Select(j => j.Join.TokenId));
        backlog.Fronts(10).Single(f => f.ConcertId == ConcertA).Front.First().Offset.Offset.Value.ShouldBe(102);
    }

    [Fact]
    public void An_unreadable_message_may_be_committed_past()
    {
        var backlog = new JoinBacklog();
        backlog.Consumed(new TopicPartitionOffset(P0, 41));
        backlog.OffsetsToCommit().ShouldBe([new TopicPartitionOffset(P0, 42)]);
    }

    [Fact]
    public void A_revoked_partition_is_forgotten_and_others_are_kept()
    {
        var backlog = new JoinBacklog();
        backlog.Add(Join(P0, 1, ConcertA));
        backlog.Add(Join(P1, 5, ConcertB));
        backlog.Revoke([P0]);
        backlog.Count.ShouldBe(1);
        backlog.OffsetsToCommit().ShouldBe([new TopicPartitionOffset(P1, 5)]);
    }
}
