using Dapper;
using Npgsql;
using StackExchange.Redis;
using Ticketing.Api.Holds;

namespace Ticketing.Api.Reservations;

/// <summary>
/// Tells Redis that cancelled reservations' seats are for sale again — the transactional outbox of a cancellation. The cancel's
/// Postgres transaction leaves each cancelled reservation with <c>seat_released_at</c> null (the outbox row); right after the
/// commit the request takes the seats out of the schedule's sold set (<see cref="SoldSeats.ReleaseAsync"/>) and stamps
/// <c>seat_released_at</c>, so the next hold can take the seat at once. When that step fails (Redis down, the process killed in
/// between), this service delivers it: every <see cref="SweepInterval"/> it takes the releases pending for longer than
/// <see cref="SweepDelay"/> (<c>FOR UPDATE SKIP LOCKED</c>, so several Api replicas never deliver one twice), releases the seats —
/// unless the seat was sold again meanwhile (the sold set was reloaded from Postgres) — and stamps them. Until then the seat only
/// looks sold: Postgres, the arbiter, would accept its sale.
/// </summary>
public sealed class SeatReleases(NpgsqlDataSource dataSource, SoldSeats soldSeats, ILogger<SeatReleases> logger) : BackgroundService
{
    /// <summary>How often pending releases are looked for (5 s).</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(5);

    /// <summary>How long a release is left to the request that made it before the sweep delivers it (5 s).</summary>
    public static readonly TimeSpan SweepDelay = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Delivers the releases of committed cancellations now: the seats leave the sold sets, then the outbox rows are stamped. A
    /// failure is logged and left to the sweep (the cancellation itself has committed and stands).
    /// </summary>
    public async Task DeliverAsync(IReadOnlyCollection<Cancellation> refunds, CancellationToken cancellationToken = default)
    {
        if (refunds.Count == 0)
        {
            return;
        }

        try
        {
            await ReleaseAsync(refunds.Select(r => (r.ScheduleId, r.SeatNumber)));

            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE reservations SET seat_released_at = now() WHERE id = ANY(@ids) AND seat_released_at IS NULL",
                new { ids = refunds.Select(r => r.ReservationId).ToArray() }, cancellationToken: cancellationToken));
        }
        catch (Exception ex) when (ex is RedisException or NpgsqlException or TimeoutException)
        {
            logger.LogWarning(ex, "Releasing {Count} cancelled seats in Redis failed; the outbox sweep retries within {Delay}",
                refunds.Count, SweepInterval + SweepDelay);
        }
    }

    /// <summary>Delivers pending releases once; returns how many were stamped.</summary>
    /// <exception cref="NpgsqlException">Postgres did not answer.</exception>
    /// <exception cref="RedisException">Redis did not answer (nothing is stamped; the next sweep retries).</exception>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var pending = (await connection.QueryAsync<PendingRelease>(new CommandDefinition("""
            SELECT r.id AS ReservationId, r.schedule_id AS ScheduleId, r.seat_number AS SeatNumber,
                   EXISTS (SELECT 1 FROM reservations c WHERE c.schedule_id = r.schedule_id AND c.seat_number = r.seat_number
                           AND c.status = 'CONFIRMED') AS SoldAgain
            FROM reservations r
            WHERE r.status = 'CANCELLED' AND r.seat_released_at IS NULL AND r.cancelled_at < now() - @delay
            ORDER BY r.cancelled_at LIMIT 500
            FOR UPDATE OF r SKIP LOCKED
            """, new { delay = SweepDelay }, transaction, cancellationToken: cancellationToken))).ToList();
        await ReleaseAsync(pending.Where(p => !p.SoldAgain).Select(p => (p.ScheduleId, p.SeatNumber)));

        await connection.ExecuteAsync(new CommandDefinition("UPDATE reservations SET seat_released_at = now() WHERE id = ANY(@ids)",
            new { ids = pending.Select(p => p.ReservationId).ToArray() }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        if (pending.Count > 0)
        {
            logger.LogInformation("Delivered {Count} pending seat releases from the outbox", pending.Count);
        }

        return pending.Count;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(SweepInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await SweepAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is RedisException or NpgsqlException or TimeoutException)
                {
                    logger.LogWarning(ex, "The seat-release outbox sweep failed; retrying in {Interval}", SweepInterval);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    // One script per schedule: the seats leave its sold set and its release counter moves.
    private async Task ReleaseAsync(IEnumerable<(Guid ScheduleId, int SeatNumber)> seats)
    {
        foreach (var schedule in seats.GroupBy(s => s.ScheduleId))
        {
            await soldSeats.ReleaseAsync(schedule.Key, [.. schedule.Select(s => s.SeatNumber)]);
        }
    }

    private sealed class PendingRelease
    {
        public Guid ReservationId { get; init; }

        public Guid ScheduleId { get; init; }

        public int SeatNumber { get; init; }

        public bool SoldAgain { get; init; }
    }
}
