using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Ticketing.WaitingRoom;
using Ticketing.WaitingRoom.Hosting;

namespace Ticketing.QueueWorker;

/// <summary>
/// Puts people back in line after the joins' Kafka log was lost, before the worker consumes. The AppHost's dev broker keeps
/// its log in memory: after a restart on the same data, Redis still holds WAITING tokens whose joins are in no log any more,
/// so nothing would ever admit them. When <see cref="QueueOptions.BrokerEpoch"/> differs from the one Redis last saw
/// (<c>wr:broker-epoch</c>), each concert's WAITING tokens are produced again, in the order of their old offsets, and placed
/// in line at their new offsets; their heartbeat clock starts again (nobody could poll while the system was down).
/// Requeued rather than ended: these people did nothing wrong, and their order is known. ACTIVE tokens and holds are
/// untouched. The AppHost starts the worker before the Api, so no new join can get ahead of them; a worker restart under
/// the same broker sees the same epoch and requeues nothing; with an outside Kafka the epoch is unset and this does nothing.
/// </summary>
public sealed class LostJoinsRecovery(RedisConnection redis, JoinsProducer producer, IOptions<QueueOptions> options, TimeProvider clock,
    ILogger<LostJoinsRecovery> logger) : IHostedService
{
    /// <summary>Redis key of the epoch of the broker whose log the waiting lines refer to.</summary>
    public const string EpochKey = "wr:broker-epoch";

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.BrokerEpoch is not { Length: > 0 } epoch)
        {
            return;
        }

        // Read and set at once: of several workers starting together, only the first to get here requeues.
        var db = redis.Database;
        var seen = await db.StringGetSetAsync(EpochKey, epoch);
        if (seen == epoch)
        {
            return;
        }

        var (concerts, requeued, ended) = (0, 0, 0);
        foreach (var endpoint in redis.Multiplexer.GetEndPoints())
        {
            await foreach (var key in redis.Multiplexer.GetServer(endpoint).KeysAsync(pattern: "wr:*:waiting").WithCancellation(cancellationToken))
            {
                concerts++;
                foreach (var id in await db.SortedSetRangeByRankAsync(key, order: Order.Ascending))
                {
                    var tokenId = Guid.ParseExact(id.ToString(), "N");
                    var fields = await db.HashGetAsync(QueueKeys.Token(tokenId), ["status", "user", "concert", "joinedAt"]);
                    if (fields[0] != "WAITING" || !Guid.TryParseExact(fields[1].ToString(), "N", out var userId)
                        || !Guid.TryParseExact(fields[2].ToString(), "N", out var concertId) || !fields[3].TryParse(out long joinedAt))
                    {
                        await db.SortedSetRemoveAsync(key, id); // not waiting any more: out of the line
                        ended++;
                        continue;
                    }

                    var offset = await producer.ProduceAsync(new JoinMessage(tokenId, userId, concertId, DateTimeOffset.FromUnixTimeMilliseconds(joinedAt)), cancellationToken);
                    var transaction = db.CreateTransaction();
                    _ = transaction.SortedSetAddAsync(key, id, offset);
                    _ = transaction.HashSetAsync(QueueKeys.Token(tokenId), "offset", offset);
                    _ = transaction.SortedSetAddAsync(QueueKeys.Seen(concertId), id, clock.GetUtcNow().ToUnixTimeMilliseconds());
                    await transaction.ExecuteAsync();
                    requeued++;
                }
            }
        }

        if (requeued + ended > 0)
        {
            logger.LogWarning("The joins' Kafka log is new (broker epoch {Epoch}): put {Requeued} WAITING tokens of {Concerts} concerts back in line in their original order ({Ended} no longer waiting removed)",
                epoch, requeued, concerts, ended);
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
