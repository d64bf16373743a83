using System.Reflection;
using System.Security.Cryptography;
using StackExchange.Redis;

namespace Ticketing.WaitingRoom;

/// <summary>A token's status as API.md names it.</summary>
public enum QueueStatus
{
    /// <summary>Joined before the sale opened: in the pre-queue, without a position until the draw at the opening (API.md "Limits, challenges and the pre-queue").</summary>
    PreQueue,

    /// <summary>In line.</summary>
    Waiting,

    /// <summary>Admitted into the concert's active set; the [active] routes accept it.</summary>
    Active,

    /// <summary>Ended: abandoned, expired after inactivity, left, revoked by a payment, or unknown.</summary>
    Expired,
}

/// <summary>A token's state at one instant.</summary>
/// <param name="Status">Its status.</param>
/// <param name="Position">How many are ahead in line (0 unless WAITING).</param>
/// <param name="ActiveUntil">When an ACTIVE token expires without further requests; null otherwise.</param>
/// <param name="AdmissionsPerSecond">
/// For a WAITING token, how fast the concert's line moved lately (admissions of its last 20 steps within the last
/// minute ÷ seconds since the oldest of them); null when nobody was admitted in that minute.
/// </param>
public readonly record struct QueueTokenState(QueueStatus Status, long Position, DateTimeOffset? ActiveUntil, double? AdmissionsPerSecond = null);

/// <summary>Outcome of <see cref="WaitingRoomStore.JoinAsync"/>.</summary>
/// <param name="Created">True when a new token (and place in line) was made; false when the caller's live token came back.</param>
/// <param name="TokenId">The token's id.</param>
/// <param name="Token">The signed queue token (JWT) stored with it.</param>
public readonly record struct JoinReservation(bool Created, Guid TokenId, string Token);

/// <summary>Outcome of one <see cref="WaitingRoomStore.AdmitAsync"/> step.</summary>
/// <param name="Processed">How many candidates from the front are done with (admitted, or skipped as ended or already admitted).</param>
/// <param name="Admitted">How many became ACTIVE in this step.</param>
/// <param name="ActiveCount">Size of the active set afterwards.</param>
/// <param name="WaitingCount">Size of the waiting line afterwards.</param>
/// <param name="AdmittedTokens">The tokens admitted in this step, in admission order.</param>
/// <param name="PreQueueOpensAt">
/// Set when an undrawn pre-queue stopped the step: the sale's opening, from when <see cref="WaitingRoomStore.DrawAsync"/> should
/// run for the concert (nobody is admitted before that draw).
/// </param>
public readonly record struct AdmissionResult(
    int Processed, int Admitted, long ActiveCount, long WaitingCount, IReadOnlyList<Guid> AdmittedTokens, DateTimeOffset? PreQueueOpensAt = null);

/// <summary>The record of a concert's pre-queue draw (<see cref="WaitingRoomStore.DrawAsync"/>), kept <see cref="QueueOptions.DrawRetention"/>.</summary>
/// <param name="DrawnAt">When the draw was made (UTC).</param>
/// <param name="OpensAt">The sale's opening it was made for (UTC).</param>
/// <param name="Users">The drawn users in drawn order: the first went first in line.</param>
public sealed record PreQueueDraw(DateTimeOffset DrawnAt, DateTimeOffset OpensAt, IReadOnlyList<Guid> Users);

/// <summary>
/// The waiting room's state in Redis (key layout in <see cref="QueueKeys"/>). Every operation is one Lua
/// script (Redis runs each atomically), so status changes never race: a token is admitted at most once,
/// and a token that left or was revoked is never admitted. Kafka, not Redis, is the order of the line:
/// the QueueWorker offers candidates in the joins topic's order and this store only decides who of them
/// can go in now.
/// </summary>
public sealed class WaitingRoomStore(IConnectionMultiplexer redis)
{
    private static readonly string JoinScript = Load("join");
    private static readonly string EnqueueScript = Load("enqueue");
    private static readonly string AbortScript = Load("abort");
    private static readonly string StatusScript = Load("status");
    private static readonly string LeaveScript = Load("leave");
    private static readonly string AdmitScript = Load("admit");
    private static readonly string StatusManyScript = Load("status_many");
    private static readonly string DrawScript = Load("draw");

    /// <summary>
    /// Most tokens one <see cref="StatusManyAsync"/> script reads: a bigger read is split into scripts of this many, so Redis serves
    /// other clients between them (a script blocks the server while it runs; ./bench.sh measured about 7.5 µs per token, so 250
    /// tokens hold it for about 2 ms).
    /// </summary>
    public const int StatusManyChunk = 250;

    /// <summary>
    /// Reserves the caller's place: returns the live (PREQUEUE, WAITING or ACTIVE) token of (<paramref name="userId"/>,
    /// <paramref name="concertId"/>) if there is one, otherwise stores <paramref name="newTokenId"/> with
    /// <paramref name="newToken"/> — as PREQUEUE while <paramref name="now"/> is before <paramref name="opensAt"/> (the sale's
    /// opening; null when the concert has none) and the pre-queue is not drawn yet, as WAITING otherwise. A new token is not
    /// in line until <see cref="EnqueueAsync"/>.
    /// </summary>
    public async Task<JoinReservation> JoinAsync(
        Guid concertId, Guid userId, Guid newTokenId, string newToken, DateTimeOffset now, TimeSpan abandonAfter, DateTimeOffset? opensAt = null)
    {
        var result = (RedisResult[])(await Database.EvaluateTracedAsync("join", JoinScript,
            [.. ConcertKeys(concertId), QueueKeys.User(concertId, userId), QueueKeys.Draw(concertId), QueueKeys.Opens(concertId)],
            [Id(newTokenId), newToken, Id(userId), Id(concertId), Ms(now), Ms(abandonAfter), Ms(QueueOptions.TokenRetention), opensAt is { } at ? Ms(at) : 0]))!;
        return new JoinReservation((long)result[0] == 1, Guid.ParseExact((string)result[1]!, "N"), (string)result[2]!);
    }

    /// <summary>
    /// Places a reserved token in line at its Kafka <paramref name="offset"/> (join order), stamped with the broker's epoch
    /// (<see cref="QueueOptions.BrokerEpoch"/>), unless it ended or was admitted meanwhile, and returns its state right after (the
    /// join counts as its first heartbeat), in one script.
    /// </summary>
    public async Task<QueueTokenState> EnqueueAsync(Guid concertId, Guid tokenId, long offset, DateTimeOffset now, QueueOptions options) =>
        State((RedisResult[])(await Database.EvaluateTracedAsync("enqueue", EnqueueScript,
            [.. ConcertKeys(concertId), QueueKeys.Admissions(concertId), QueueKeys.Draw(concertId)],
            [Id(tokenId), offset, Ms(now), Ms(options.AbandonAfter), Ms(options.ActiveTtl), Ms(QueueOptions.TokenRetention), options.BrokerEpoch ?? ""]))!, options);

    /// <summary>Removes a reserved token whose join could not be written to Kafka.</summary>
    public Task AbortAsync(Guid concertId, Guid userId, Guid tokenId) =>
        Database.EvaluateTracedAsync("abort", AbortScript, [.. ConcertKeys(concertId), QueueKeys.User(concertId, userId)], [Id(tokenId)]);

    /// <summary>
    /// The token's state. With <paramref name="touch"/> the read is also the heartbeat (API.md: each status
    /// call, and each [active] request, restarts the abandonment clock or the active TTL).
    /// </summary>
    public async Task<QueueTokenState> StatusAsync(Guid concertId, Guid tokenId, DateTimeOffset now, QueueOptions options, bool touch)
    {
        var result = (RedisResult[])(await Database.EvaluateTracedAsync("status", StatusScript, [.. ConcertKeys(concertId), QueueKeys.Admissions(concertId)],
            [Id(tokenId), Ms(now), Ms(options.AbandonAfter), Ms(options.ActiveTtl), Ms(QueueOptions.TokenRetention), touch ? 1 : 0]))!;
        return State(result, options);
    }

    /// <summary>
    /// The states of <paramref name="tokenIds"/> (tokens of <paramref name="concertId"/>): the Api's open live streams of the
    /// concert, read together once the line moved (status_many.lua; one script per <see cref="StatusManyChunk"/> tokens, sent at
    /// once). With <paramref name="heartbeat"/> each read is also the token's heartbeat, as <see cref="StatusAsync"/> with touch;
    /// without it only the ACTIVE tokens found are touched (reading the WAITING ones then writes nothing). The answer is in the
    /// order of <paramref name="tokenIds"/>; an unknown token reads as <see cref="QueueStatus.Expired"/>.
    /// </summary>
    /// <exception cref="RedisException">Redis did not answer.</exception>
    public async Task<IReadOnlyList<QueueTokenState>> StatusManyAsync(Guid concertId, IReadOnlyList<Guid> tokenIds, DateTimeOffset now, QueueOptions options,
        bool heartbeat)
    {
        RedisKey[] keys = [.. ConcertKeys(concertId), QueueKeys.Admissions(concertId)];
        var chunks = tokenIds.Chunk(StatusManyChunk).Select(chunk =>
        {
            RedisValue[] args = [Ms(now), Ms(options.AbandonAfter), Ms(options.ActiveTtl), Ms(QueueOptions.TokenRetention), heartbeat ? 1 : 0,
                .. chunk.Select(Id)];
            return Database.EvaluateTracedAsync("status_many", StatusManyScript, keys, args);
        }).ToList();

        var states = new List<QueueTokenState>(tokenIds.Count);
        foreach (var chunk in chunks)
        {
            var result = (RedisResult[])(await chunk)!;
            var rate = WaitEstimate.ObservedRate((long)result[0], (long)result[1], options.AdmissionInterval);
            for (var i = 2; i + 2 < result.Length; i += 3)
            {
                states.Add(State((string?)result[i], (long)result[i + 1], (long)result[i + 2], rate));
            }
        }

        return states;
    }

    // The answer of token_state (common.lua): {status, position, activeUntilMs, admittedLastMinute, msSinceFirstOfThem}.
    private static QueueTokenState State(RedisResult[] result, QueueOptions options) =>
        State((string?)result[0], (long)result[1], (long)result[2],
            result.Length > 4 ? WaitEstimate.ObservedRate((long)result[3], (long)result[4], options.AdmissionInterval) : null);

    private static QueueTokenState State(string? status, long position, long activeUntilMs, double? admissionsPerSecond) => status switch
    {
        "WAITING" => new QueueTokenState(QueueStatus.Waiting, position, null, admissionsPerSecond),
        "PREQUEUE" => new QueueTokenState(QueueStatus.PreQueue, 0, null),
        "ACTIVE" => new QueueTokenState(QueueStatus.Active, 0, DateTimeOffset.FromUnixTimeMilliseconds(activeUntilMs)),
        _ => new QueueTokenState(QueueStatus.Expired, 0, null),
    };

    /// <summary>Ends the token (leave, or revocation after a payment): out of line and out of the active set. Idempotent.</summary>
    public Task LeaveAsync(Guid concertId, Guid userId, Guid tokenId) =>
        Database.EvaluateTracedAsync("leave", LeaveScript, [.. ConcertKeys(concertId), QueueKeys.User(concertId, userId)],
            [Id(tokenId), QueueKeys.SlotsFreedChannel, QueueKeys.LineMovedChannel, Id(concertId)]);

    /// <summary>
    /// Revokes the token unless <paramref name="liveUntil"/> (a sorted set scored by expiry in Unix ms, e.g. the user's live holds
    /// of the concert) still has a member past <paramref name="now"/>: the check and the revocation are one script, so a hold
    /// taken while a payment ends either keeps the token ACTIVE or is refused for want of it. Returns true when revoked.
    /// </summary>
    public async Task<bool> RevokeUnlessLiveAsync(Guid concertId, Guid userId, Guid tokenId, RedisKey liveUntil, DateTimeOffset now) =>
        (long)await Database.EvaluateTracedAsync("leave", LeaveScript, [.. ConcertKeys(concertId), QueueKeys.User(concertId, userId), liveUntil],
            [Id(tokenId), QueueKeys.SlotsFreedChannel, QueueKeys.LineMovedChannel, Id(concertId), Ms(now)]) == 1;

    /// <summary>
    /// Calls <paramref name="onFreed"/> with the concert id whenever an active slot is freed by a leave or a revocation
    /// (<see cref="QueueKeys.SlotsFreedChannel"/>). StackExchange.Redis subscribes again by itself after a reconnect.
    /// </summary>
    /// <exception cref="RedisException">Redis did not answer the subscription.</exception>
    public Task SubscribeSlotsFreedAsync(Action<Guid> onFreed) => SubscribeAsync(QueueKeys.SlotsFreedChannel, onFreed);

    /// <summary>
    /// Calls <paramref name="onMoved"/> whenever someone leaves a concert's waiting line — admitted (the move names them), abandoned,
    /// or left (<see cref="QueueKeys.LineMovedChannel"/>): the positions of those behind changed. One subscription per process
    /// however many streams it serves; messages published while the connection is down are lost (Redis pub/sub is
    /// fire-and-forget), so a subscriber also reads again on a timer of its own.
    /// </summary>
    /// <exception cref="RedisException">Redis did not answer the subscription.</exception>
    public Task SubscribeLineMovedAsync(Action<LineMove> onMoved) =>
        redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(QueueKeys.LineMovedChannel), (_, message) =>
        {
            if (LineMove.TryParse(message.ToString(), out var move))
            {
                onMoved(move);
            }
        });

    private Task SubscribeAsync(string channel, Action<Guid> onConcert) =>
        redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(channel), (_, message) =>
        {
            if (Guid.TryParseExact(message.ToString(), "N", out var concertId))
            {
                onConcert(concertId);
            }
        });

    /// <summary>
    /// One admission step for a concert (see admit.lua): frees expired slots, drops abandoned tokens, then
    /// admits <paramref name="candidates"/> (token ids in join order) from the front while the active set
    /// is below <see cref="QueueOptions.ActiveCapacity"/>, at most <see cref="QueueOptions.AdmissionBatchSize"/>. When anyone left
    /// the waiting line, the step publishes the concert on <see cref="QueueKeys.LineMovedChannel"/>.
    /// </summary>
    public async Task<AdmissionResult> AdmitAsync(Guid concertId, IReadOnlyList<Guid> candidates, DateTimeOffset now, QueueOptions options)
    {
        const int fixedArgs = 8;
        var args = new RedisValue[fixedArgs + candidates.Count];
        args[0] = Ms(now);
        args[1] = Ms(options.AbandonAfter);
        args[2] = Ms(options.ActiveTtl);
        args[3] = options.ActiveCapacity;
        args[4] = options.AdmissionBatchSize;
        args[5] = QueueKeys.LineMovedChannel;
        args[6] = Id(concertId);
        args[7] = Ms(options.ActiveMaxLifetime);
        for (var i = 0; i < candidates.Count; i++)
        {
            args[fixedArgs + i] = Id(candidates[i]);
        }

        var result = (RedisResult[])(await Database.EvaluateTracedAsync("admit", AdmitScript,
            [.. ConcertKeys(concertId), QueueKeys.Admitted(concertId), QueueKeys.Admissions(concertId), QueueKeys.Opens(concertId)], args))!;
        var admitted = ((RedisResult[])result[4]!).Select(r => Guid.ParseExact((string)r!, "N")).ToList();
        var opensAtMs = (long)result[5];
        return new AdmissionResult((int)result[0], (int)result[1], (long)result[2], (long)result[3], admitted,
            opensAtMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(opensAtMs) : null);
    }

    /// <summary>
    /// Draws the concert's pre-queue at the sale's opening (draw.lua; API.md "Limits, challenges and the pre-queue"): every live
    /// PREQUEUE token becomes WAITING at a place of one uniformly random order — a Fisher–Yates shuffle driven by the operating
    /// system's cryptographic random generator (<see cref="RandomNumberGenerator.Shuffle{T}(Span{T})"/>), so nobody can predict or
    /// steer it — ahead of everyone who joined after the opening, and the draw is recorded (<see cref="ReadDrawAsync"/>). Once per
    /// concert: a second call changes nothing. Returns whether this call drew, and how many the draw placed.
    /// </summary>
    /// <exception cref="RedisException">Redis did not answer; nothing was drawn unless the script ran (then a retry changes nothing).</exception>
    public async Task<(bool DrawnNow, long Count)> DrawAsync(Guid concertId, DateTimeOffset now, QueueOptions options)
    {
        var line = await Database.TracedAsync("ZRANGEBYSCORE", "waiting",
            () => Database.SortedSetRangeByScoreAsync(QueueKeys.Waiting(concertId), 0, double.PositiveInfinity));
        RandomNumberGenerator.Shuffle(line.AsSpan());
        RedisValue[] args = [Ms(now), Ms(options.AbandonAfter), Ms(QueueOptions.DrawRetention), QueueKeys.LineMovedChannel, Id(concertId), .. line];
        var result = (RedisResult[])(await Database.EvaluateTracedAsync("draw", DrawScript,
            [.. ConcertKeys(concertId), QueueKeys.Draw(concertId), QueueKeys.Drawn(concertId), QueueKeys.Opens(concertId)], args))!;
        return ((long)result[0] == 1, (long)result[1]);
    }

    /// <summary>The record of the concert's pre-queue draw, or null when there was none (not drawn yet, no pre-queue, or past its retention).</summary>
    public async Task<PreQueueDraw?> ReadDrawAsync(Guid concertId)
    {
        var record = await Database.TracedAsync("HGETALL", "draw", () => Database.HashGetAllAsync(QueueKeys.Draw(concertId)));
        if (record.Length == 0)
        {
            return null;
        }

        var fields = record.ToDictionary(e => e.Name.ToString(), e => (long)e.Value);
        var users = await Database.TracedAsync("LRANGE", "drawn", () => Database.ListRangeAsync(QueueKeys.Drawn(concertId)));
        return new PreQueueDraw(DateTimeOffset.FromUnixTimeMilliseconds(fields["drawnAt"]), DateTimeOffset.FromUnixTimeMilliseconds(fields["opensAt"]),
            users.Select(u => Guid.ParseExact(u.ToString(), "N")).ToList());
    }

    /// <summary>Sizes of the concert's active set and waiting line (for metrics and tests).</summary>
    public async Task<(long Active, long Waiting)> CountsAsync(Guid concertId)
    {
        var active = Database.TracedAsync("ZCARD", "active", () => Database.SortedSetLengthAsync(QueueKeys.Active(concertId)));
        var waiting = Database.TracedAsync("ZCARD", "waiting", () => Database.SortedSetLengthAsync(QueueKeys.Waiting(concertId)));
        return (await active, await waiting);
    }

    private IDatabase Database => redis.GetDatabase();

    private static RedisKey[] ConcertKeys(Guid concertId) =>
        [QueueKeys.Waiting(concertId), QueueKeys.Seen(concertId), QueueKeys.Active(concertId)];

    private static RedisValue Id(Guid id) => id.ToString("N");

    private static RedisValue Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    private static RedisValue Ms(TimeSpan span) => (long)span.TotalMilliseconds;

    private static string Load(string name)
    {
        var assembly = typeof(WaitingRoomStore).Assembly;
        return Read(assembly, "common") + "\n" + Read(assembly, name);

        static string Read(Assembly assembly, string name)
        {
            var resource = assembly.GetManifestResourceNames().Single(n => n.EndsWith($".Scripts.{name}.lua", StringComparison.Ordinal));
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            return reader.ReadToEnd();
        }
    }
}
