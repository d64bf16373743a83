namespace Ticketing.WaitingRoom;

/// <summary>
/// Redis key names of the waiting room. Per concert <c>c</c> (GUID "N" format):
/// <list type="bullet">
/// <item><c>wr:{c}:waiting</c> — sorted set of WAITING and PREQUEUE token ids, score = the join's Kafka offset (join order), or
/// for the pre-queue's drawn tokens −n … −1 in drawn order (ahead of every offset).</item>
/// <item><c>wr:{c}:seen</c> — sorted set of WAITING token ids, score = last poll (Unix ms); the abandonment clock.</item>
/// <item><c>wr:{c}:active</c> — the active set: ACTIVE token ids, score = active-until (Unix ms).</item>
/// <item><c>wr:{c}:admissions</c> — the last minute of admission steps (the observed admission rate for the ETA).</item>
/// <item><c>wr:{c}:admitted</c> — how many have been admitted so far; each admitted token keeps its number as <c>admittedSeq</c>.</item>
/// <item><c>wr:{c}:user:{u}</c> — the user's live token id (one place in line per user and concert).</item>
/// <item><c>wr:{c}:opens</c> — the sale's opening (Unix ms) as the last pre-queue join saw it: when the QueueWorker draws.</item>
/// <item><c>wr:{c}:draw</c> — the pre-queue's draw once made: a hash with <c>drawnAt</c>, <c>opensAt</c> (Unix ms) and
/// <c>count</c>; <c>wr:{c}:drawn</c> — the drawn users' ids in drawn order (a list). Both kept <see cref="QueueOptions.DrawRetention"/>.</item>
/// </list>
/// and per token <c>wr:tok:{id}</c>, a hash with <c>user</c>, <c>concert</c>, <c>status</c>, <c>jwt</c>, <c>joinedAt</c>, <c>offset</c>,
/// <c>drawRank</c> (1-based) when its place came from the pre-queue's draw, and once admitted <c>admittedSeq</c> and
/// <c>admittedAt</c> (Unix ms).
/// </summary>
public static class QueueKeys
{
    /// <summary>
    /// Redis pub/sub channel on which a freed active slot is announced (message: the concert id, GUID "N" format), published by
    /// the leave script (a leave, or the revocation after a payment); the QueueWorker subscribes and admits the next in line.
    /// </summary>
    public const string SlotsFreedChannel = "wr:slots-freed";

    /// <summary>
    /// Redis pub/sub channel on which a moved line is announced (message: a <see cref="LineMove"/>, the concert id and the tokens
    /// the move admitted): an admission step that admitted or dropped anyone from the waiting line (admit.lua), or a WAITING
    /// token that left (leave.lua). Each Api
    /// subscribes once and reads the positions of its open live streams of that concert again (seed 000: Redis pub/sub → SSE).
    /// </summary>
    public const string LineMovedChannel = "wr:line-moved";

    /// <summary>Prefix of token hashes; the scripts append the token id.</summary>
    public const string TokenPrefix = "wr:tok:";

    /// <summary>The concert's waiting line.</summary>
    public static string Waiting(Guid concertId) => $"wr:{concertId:N}:waiting";

    /// <summary>The concert's heartbeat clock of WAITING tokens.</summary>
    public static string Seen(Guid concertId) => $"wr:{concertId:N}:seen";

    /// <summary>The concert's active set.</summary>
    public static string Active(Guid concertId) => $"wr:{concertId:N}:active";

    /// <summary>The concert's admission counter.</summary>
    public static string Admitted(Guid concertId) => $"wr:{concertId:N}:admitted";

    /// <summary>The concert's admissions of the last minute (sorted set: score = Unix ms, member = <c>{ms}:{count}</c>).</summary>
    public static string Admissions(Guid concertId) => $"wr:{concertId:N}:admissions";

    /// <summary>The user's live token for the concert.</summary>
    public static string User(Guid concertId, Guid userId) => $"wr:{concertId:N}:user:{userId:N}";

    /// <summary>The concert's sale opening as the pre-queue knows it (Unix ms).</summary>
    public static string Opens(Guid concertId) => $"wr:{concertId:N}:opens";

    /// <summary>The record of the concert's pre-queue draw (hash: drawnAt, opensAt, count).</summary>
    public static string Draw(Guid concertId) => $"wr:{concertId:N}:draw";

    /// <summary>The users of the concert's pre-queue draw, in drawn order (list of GUIDs, "N" format).</summary>
    public static string Drawn(Guid concertId) => $"wr:{concertId:N}:drawn";

    /// <summary>A token's record.</summary>
    public static string Token(Guid tokenId) => $"{TokenPrefix}{tokenId:N}";
}
