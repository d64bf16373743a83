using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Ticketing.WaitingRoom;

namespace Ticketing.QueueWorker;

/// <summary>
/// Puts people back in line after the joins' Kafka log was lost, before the worker consumes. The AppHost's dev broker keeps
/// its log in memory: after a restart on the same data, Redis still holds WAITING tokens whose joins are in no log any more,
/// so nothing would ever admit them. Every join is stamped with the epoch of the broker whose log holds it (enqueue.lua,
/// <see cref="QueueOptions.BrokerEpoch"/>); when the epoch Redis last finished recovering for (<c>wr:broker-epoch</c>) is not the
/// current one, each concert's WAITING tokens of another epoch are produced again, in the order of their old offsets, and
/// placed in line at their new offsets, stamped with the current epoch; their heartbeat clock starts again (nobody could poll
/// while the system was down). Requeued rather than ended: these people did nothing wrong, and their order is known. ACTIVE
/// tokens and holds are untouched.
/// <para>
/// One worker recovers at a time, under a lease (<c>wr:broker-epoch:lease</c>, 10 s, renewed per token); others wait for it.
/// The work is resumable: a worker that crashes midway leaves its requeued tokens stamped, and the next one to take the lease
/// (after it lapses) requeues only the rest. A crash between a token's produce and its placement leaves one extra join message
/// in the log, which admission skips as a replay. The AppHost starts the worker before the Api, so no new join gets ahead of
/// the people requeued; a worker restart under the same broker finds the epoch done; with an outside Kafka the epoch is unset
/// and this does nothing.
/// </para>
/// </summary>
public sealed class LostJoinsRecovery(IConnectionMultiplexer redis, JoinsProducer producer, IOptions<QueueOptions> options, TimeProvider clock,
    ILogger<LostJoinsRecovery> logger) : IHostedService
{
    /// <summary>Redis key of the epoch of the broker whose log the waiting lines were last recovered for.</summary>
    public const string EpochKey = "wr:broker-epoch";

    /// <summary>Redis key of the lease of the worker recovering (value: that worker's random id; 10 s, renewed as it works).</summary>
    public const string LeaseKey = "wr:broker-epoch:lease";

    private static readonly TimeSpan LeaseTime = TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.BrokerEpoch is not { Length: > 0 } epoch)
        {
            return;
        }

        var db = redis.GetDatabase();
        var me = Guid.NewGuid().ToString("N");
        while (true)
        {
            if (await db.StringGetAsync(EpochKey) == epoch)
            {
                return; // recovered already (by this worker's earlier start, or by another worker)
            }

            if (await db.StringSetAsync(LeaseKey, me, LeaseTime, When.NotExists))
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken); // another worker is recovering, or crashed doing it
        }

        try
        {
            if (await db.StringGetAsync(EpochKey) != epoch)
            {
                await RequeueAsync(db, epoch, cancellationToken);
                await db.StringSetAsync(EpochKey, epoch);
            }
        }
        finally
        {
            var release = db.CreateTransaction();
            release.AddCondition(Condition.StringEqual(LeaseKey, me));
            _ = release.KeyDeleteAsync(LeaseKey);
            await release.ExecuteAsync();
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task RequeueAsync(IDatabase db, string epoch, CancellationToken cancellationToken)
    {
        var (concerts, requeued, ended, resumed) = (0, 0, 0, 0);
        foreach (var endpoint in redis.GetEndPoints())
        {
            await foreach (var key in redis.GetServer(endpoint).KeysAsync(pattern: "wr:*:waiting").WithCancellation(cancellationToken))
            {
                concerts++;
                foreach (var (id, score) in (await db.SortedSetRangeByRankWithScoresAsync(key, order: Order.Ascending)).Select(e => (e.Element, e.Score)))
                {
                    var tokenId = Guid.ParseExact(id.ToString(), "N");
                    var fields = await db.HashGetAsync(QueueKeys.Token(tokenId), ["status", "user", "concert", "joinedAt", "epoch"]);
                    if (fields[0] != "WAITING" && fields[0] != "PREQUEUE" || !Guid.TryParseExact(fields[1].ToString(), "N", out var userId)
                        || !Guid.TryParseExact(fields[2].ToString(), "N", out var concertId) || !fields[3].TryParse(out long joinedAt))
                    {
                        await db.SortedSetRemoveAsync(key, id); // not waiting any more: out of the line
                        ended++;
                        continue;
                    }

                    if (fields[4] == epoch)
                    {
                        resumed++; // requeued by a worker that crashed before it finished, or joined since
                        continue;
                    }

                    var offset = await producer.ProduceAsync(new JoinMessage(tokenId, userId, concertId, DateTimeOffset.FromUnixTimeMilliseconds(joinedAt)), cancellationToken);
                    var transaction = db.CreateTransaction();
                    if (score >= 0)
                    {
                        _ = transaction.SortedSetAddAsync(key, id, offset); // a drawn place (negative score, draw.lua) stays as drawn
                    }

                    _ = transaction.HashSetAsync(QueueKeys.Token(tokenId), [new("offset", offset), new("epoch", epoch)]);
                    _ = transaction.SortedSetAddAsync(QueueKeys.Seen(concertId), id, clock.GetUtcNow().ToUnixTimeMilliseconds());
                    _ = transaction.KeyExpireAsync(LeaseKey, LeaseTime);
                    await transaction.ExecuteAsync();
                    requeued++;
                }
            }
        }

        if (requeued + ended > 0)
        {
            logger.LogWarning("The joins' Kafka log is new (broker epoch {Epoch}): put {Requeued} WAITING tokens of {Concerts} concerts back in line in their original order ({Ended} no longer waiting removed, {Resumed} already in this log)",
                epoch, requeued, concerts, ended, resumed);
        }
    }
}
