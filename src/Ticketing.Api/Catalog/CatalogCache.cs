using System.Collections.Frozen;
using Dapper;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Ticketing.Api.Data;

namespace Ticketing.Api.Catalog;

/// <summary>A seat of the catalog: its grade and price (points, &gt; 0).</summary>
/// <param name="Grade">Seat grade, e.g. <c>VIP</c>.</param>
/// <param name="Price">Price in points.</param>
public sealed record CatalogSeat(string Grade, long Price);

/// <summary>A schedule of the catalog with its seats.</summary>
public sealed class CatalogSchedule
{
    /// <summary>Schedule id.</summary>
    public required Guid Id { get; init; }

    /// <summary>Concert id.</summary>
    public required Guid ConcertId { get; init; }

    /// <summary>Show time (UTC).</summary>
    public required DateTimeOffset StartsAt { get; init; }

    /// <summary>Booking window start (UTC, inclusive).</summary>
    public required DateTimeOffset BookingOpensAt { get; init; }

    /// <summary>Booking window end (UTC, exclusive).</summary>
    public required DateTimeOffset BookingClosesAt { get; init; }

    /// <summary>When the organiser cancelled the show (UTC); null while it is on. A cancelled schedule is never open for booking.</summary>
    public DateTimeOffset? CancelledAt { get; init; }

    /// <summary>Seats indexed by number: <c>Seats[n]</c> is seat n (1..<see cref="CatalogEndpoints.SeatsPerSchedule"/>), null where the schedule has none; index 0 is unused.</summary>
    public required CatalogSeat?[] Seats { get; init; }

    /// <summary>True when the show is not cancelled and <paramref name="now"/> is inside the booking window.</summary>
    public bool IsBookingOpen(DateTimeOffset now) => CancelledAt is null && now >= BookingOpensAt && now < BookingClosesAt;

    /// <summary>Seat <paramref name="seatNumber"/>, or null when out of range or missing.</summary>
    public CatalogSeat? Seat(int seatNumber) => seatNumber > 0 && seatNumber < Seats.Length ? Seats[seatNumber] : null;
}

/// <summary>One consistent copy of the whole catalog, read in one transaction.</summary>
/// <param name="Concerts">All concerts, by title then id (the order of <c>GET /api/concerts</c>).</param>
/// <param name="Schedules">Every schedule by id.</param>
/// <param name="SchedulesByConcert">Each concert's schedules by show time (a concert without schedules has an empty list).</param>
public sealed record CatalogSnapshot(
    IReadOnlyList<ConcertSummary> Concerts,
    FrozenDictionary<Guid, CatalogSchedule> Schedules,
    FrozenDictionary<Guid, IReadOnlyList<CatalogSchedule>> SchedulesByConcert)
{
    /// <summary>True when the concert exists.</summary>
    public bool HasConcert(Guid concertId) => SchedulesByConcert.ContainsKey(concertId);

    /// <summary>
    /// The concert's sale opening: the earliest <c>bookingOpensAt</c> of its schedules that are not cancelled (API.md "Limits,
    /// challenges and the pre-queue"); null when it has none. A join before it waits in the pre-queue.
    /// </summary>
    public DateTimeOffset? SaleOpensAt(Guid concertId)
    {
        DateTimeOffset? earliest = null;
        foreach (var schedule in SchedulesByConcert.GetValueOrDefault(concertId, []))
        {
            if (schedule.CancelledAt is null && (earliest is null || schedule.BookingOpensAt < earliest))
            {
                earliest = schedule.BookingOpensAt;
            }
        }

        return earliest;
    }
}

/// <summary>
/// The catalog (concerts, schedules, seat grades and prices) in memory, so the crowd paths (join, seat map, hold, payment) read
/// it without a Postgres round trip: it changes only when an organiser edits it, never during a sale's own requests.
/// <para>Invalidation: every committed catalog change sends a Postgres notification (<c>NOTIFY catalog_changed</c>, from the
/// triggers of migration <c>CatalogChangeNotifications</c>); <see cref="CatalogChangeListener"/> listens and calls
/// <see cref="InvalidateAsync"/>: from then on requests wait for the reloaded copy, and the output-cached concert list (tag
/// <see cref="OutputCacheTag"/>) is evicted. An edit therefore reaches the Api as soon as its notification does. A lookup of an id the copy does not know asks
/// Postgres whether the id exists and reloads if so, so a schedule or concert is usable from the moment it is committed;
/// an unknown id costs one indexed query, as before the cache.</para>
/// </summary>
public sealed class CatalogCache(IServiceScopeFactory scopes, IOutputCacheStore outputCache, ILogger<CatalogCache> logger)
{
    /// <summary>Output-cache tag of the responses built from the catalog (<c>GET /api/concerts</c>).</summary>
    public const string OutputCacheTag = "catalog";

    private readonly SemaphoreSlim _reload = new(1, 1);
    private CatalogSnapshot? _snapshot;
    private long _changes;
    private long _snapshotChanges;

    /// <summary>
    /// The current copy. While a change is known that the copy does not have yet (a notification, or an id found in Postgres
    /// only), callers wait for the reload that brings it rather than read the old copy.
    /// </summary>
    /// <exception cref="NpgsqlException">Postgres did not answer while a copy had to be loaded.</exception>
    public ValueTask<CatalogSnapshot> GetAsync(CancellationToken cancellationToken = default)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        return snapshot is not null && Volatile.Read(ref _snapshotChanges) >= Volatile.Read(ref _changes)
            ? ValueTask.FromResult(snapshot)
            : new ValueTask<CatalogSnapshot>(ReloadAsync(cancellationToken));
    }

    /// <summary>A schedule by id; null when Postgres does not have it either.</summary>
    public async ValueTask<CatalogSchedule?> FindScheduleAsync(Guid scheduleId, CancellationToken cancellationToken = default)
    {
        if ((await GetAsync(cancellationToken)).Schedules.TryGetValue(scheduleId, out var schedule))
        {
            return schedule;
        }

        return await ExistsAsync("SELECT EXISTS (SELECT 1 FROM schedules WHERE id = @id)", scheduleId, cancellationToken)
            && (await ChangedAsync(cancellationToken)).Schedules.TryGetValue(scheduleId, out schedule)
            ? schedule
            : null;
    }

    /// <summary>True when the concert exists (asking Postgres, and reloading, when the copy does not know it).</summary>
    public async ValueTask<bool> HasConcertAsync(Guid concertId, CancellationToken cancellationToken = default) =>
        (await GetAsync(cancellationToken)).HasConcert(concertId)
        || (await ExistsAsync("SELECT EXISTS (SELECT 1 FROM concerts WHERE id = @id)", concertId, cancellationToken)
            && (await ChangedAsync(cancellationToken)).HasConcert(concertId));

    /// <summary>
    /// The catalog changed (or may have: the listener reconnected): from now on callers wait for a copy loaded after this call;
    /// the output-cached catalog responses are evicted before and after the reload (a response built from the old copy while
    /// the reload ran must not stay cached).
    /// </summary>
    public async Task InvalidateAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _changes);
        await outputCache.EvictByTagAsync(OutputCacheTag, cancellationToken);
        await ReloadAsync(cancellationToken);
        await outputCache.EvictByTagAsync(OutputCacheTag, cancellationToken);
    }

    private Task<CatalogSnapshot> ChangedAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _changes);
        return ReloadAsync(cancellationToken);
    }

    private async Task<bool> ExistsAsync(string sql, Guid id, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
        return await db.Database.GetDbConnection().ExecuteScalarAsync<bool>(new CommandDefinition(sql, new { id }, cancellationToken: cancellationToken));
    }

    // Single flight: loads run one at a time, and a caller that waited while one ran takes its result when that load began after
    // every change known to the caller, so a burst of misses or notifications costs one or two loads.
    private async Task<CatalogSnapshot> ReloadAsync(CancellationToken cancellationToken)
    {
        await _reload.WaitAsync(cancellationToken);
        try
        {
            if (_snapshot is { } current && _snapshotChanges >= Volatile.Read(ref _changes))
            {
                return current;
            }

            var changes = Volatile.Read(ref _changes);
            var started = TimeProvider.System.GetTimestamp();
            var snapshot = await LoadAsync(cancellationToken);
            Volatile.Write(ref _snapshot, snapshot);
            Volatile.Write(ref _snapshotChanges, changes);
            logger.LogInformation("Catalog loaded: {Concerts} concerts, {Schedules} schedules in {ElapsedMs:F0} ms",
                snapshot.Concerts.Count, snapshot.Schedules.Count, TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
            return snapshot;
        }
        finally
        {
            _reload.Release();
        }
    }

    private async Task<CatalogSnapshot> LoadAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TicketingDbContext>();
        // Repeatable read: the three reads see one committed state of the catalog.
        await using var transaction = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var concerts = await db.Concerts.AsNoTracking().OrderBy(c => c.Title).ThenBy(c => c.Id)
            .Select(c => new ConcertSummary(c.Id, c.Title, c.Performer, c.Venue)).ToListAsync(cancellationToken);
        var schedules = await db.Schedules.AsNoTracking().OrderBy(s => s.StartsAt).ThenBy(s => s.Id).ToListAsync(cancellationToken);
        var seats = await db.Seats.AsNoTracking().Select(s => new { s.ScheduleId, s.SeatNumber, s.Grade, s.Price }).ToListAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        var seatsBySchedule = seats.ToLookup(s => s.ScheduleId);
        var byId = schedules.Select(s =>
        {
            var seatArray = new CatalogSeat?[CatalogEndpoints.SeatsPerSchedule + 1];
            foreach (var seat in seatsBySchedule[s.Id])
            {
                seatArray[seat.SeatNumber] = new CatalogSeat(seat.Grade, seat.Price);
            }

            return new CatalogSchedule
            {
                Id = s.Id, ConcertId = s.ConcertId, StartsAt = s.StartsAt, BookingOpensAt = s.BookingOpensAt,
                BookingClosesAt = s.BookingClosesAt, CancelledAt = s.CancelledAt, Seats = seatArray,
            };
        }).ToList();
        var byConcert = concerts.ToDictionary(c => c.ConcertId, c => (IReadOnlyList<CatalogSchedule>)byId.Where(s => s.ConcertId == c.ConcertId).ToList());
        return new CatalogSnapshot(concerts, byId.ToFrozenDictionary(s => s.Id), byConcert.ToFrozenDictionary());
    }
}

/// <summary>
/// Keeps <see cref="CatalogCache"/> current: a dedicated Postgres connection runs <c>LISTEN catalog_changed</c> and waits;
/// each notification reloads the copy. When the connection is lost it reconnects (1 s, then up to 30 s apart) and reloads once
/// it is back, since notifications sent meanwhile are lost.
/// </summary>
public sealed class CatalogChangeListener(NpgsqlDataSource dataSource, CatalogCache cache, ILogger<CatalogChangeListener> logger) : BackgroundService
{
    /// <summary>The notification channel the catalog triggers send on.</summary>
    public const string Channel = "catalog_changed";

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                var changed = 0;
                connection.Notification += (_, _) => Interlocked.Exchange(ref changed, 1);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                // Listening first, then loading: a change committed in between is in the copy or notified, never neither.
                await cache.InvalidateAsync(stoppingToken);
                delay = TimeSpan.FromSeconds(1);
                try
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        await connection.WaitAsync(stoppingToken);
                        if (Interlocked.Exchange(ref changed, 0) == 1)
                        {
                            await cache.InvalidateAsync(stoppingToken);
                        }
                    }
                }
                finally
                {
                    // The pool skips DISCARD ALL (No Reset On Close): the connection must not go back still listening.
                    if (connection.State == System.Data.ConnectionState.Open)
                    {
                        await using var unlisten = new NpgsqlCommand("UNLISTEN *", connection);
                        await unlisten.ExecuteNonQueryAsync(CancellationToken.None);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning(ex, "Catalog change listener lost Postgres; reconnecting in {Delay}", delay);
                await Task.Delay(delay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }
}
