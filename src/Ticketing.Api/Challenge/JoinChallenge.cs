using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Ticketing.ServiceDefaults;
using Ticketing.WaitingRoom;

namespace Ticketing.Api.Challenge;

/// <summary>What <see cref="JoinChallenge.RedeemAsync"/> made of an <c>X-Challenge-Solution</c> header.</summary>
public enum ChallengeRedemption
{
    /// <summary>A solved, unexpired challenge of this Api, redeemed now for the first time: the request goes on.</summary>
    Accepted,

    /// <summary>No header (403 <c>CHALLENGE_REQUIRED</c>).</summary>
    Missing,

    /// <summary>Not an ALTCHA payload (403 <c>CHALLENGE_INVALID</c>).</summary>
    Malformed,

    /// <summary>A challenge this Api did not sign (403 <c>CHALLENGE_INVALID</c>).</summary>
    Forged,

    /// <summary>Past its <c>expiresAt</c> (403 <c>CHALLENGE_INVALID</c>).</summary>
    Expired,

    /// <summary>A wrong solution (403 <c>CHALLENGE_INVALID</c>).</summary>
    Unsolved,

    /// <summary>Redeemed before, by this request's twin or an earlier one (403 <c>CHALLENGE_INVALID</c>).</summary>
    AlreadyUsed,
}

/// <summary>
/// The join challenge of one Api: hands out <see cref="AltchaScheme"/> challenges with the difficulty and lifetime of
/// <see cref="ChallengeOptions"/>, and redeems a solution at most once. Single use is Redis's <c>SET challenge:used:{nonce} 1 NX PX
/// {time left}</c>: atomic, so of any number of requests carrying one solution, at the same moment or not, exactly one is accepted, and
/// the key lives only as long as the challenge could be redeemed at all. A solution is spent even when the request it came with then
/// fails (a taken name, say): a new challenge is cheap for a person, and spending first is what makes concurrent replays lose.
/// </summary>
public sealed class JoinChallenge(AltchaScheme scheme, IConnectionMultiplexer redis, IOptions<ChallengeOptions> options, TimeProvider clock,
    ILogger<JoinChallenge> logger)
{
    /// <summary>Prefix of the Redis keys of redeemed challenges; the rest is the challenge's nonce (32 hex characters).</summary>
    public const string UsedKeyPrefix = "challenge:used:";

    private static readonly Counter<long> Redemptions = QueueMetrics.Meter.CreateCounter<long>("ticketing.challenges", "{solution}",
        "Join-challenge solutions by outcome (tag outcome: accepted, missing, malformed, forged, expired, unsolved, already_used)");

    /// <summary>
    /// A new challenge: a counter drawn uniformly from <see cref="ChallengeOptions.MaxNumber"/>/2 … <see cref="ChallengeOptions.MaxNumber"/>,
    /// <see cref="ChallengeOptions.Cost"/> iterations per try, expiring <see cref="ChallengeOptions.Lifetime"/> from now. Costs the Api one
    /// key derivation (about 0.2 ms at the default cost).
    /// </summary>
    public AltchaChallenge Issue()
    {
        var settings = options.Value;
        var counter = (uint)RandomNumberGenerator.GetInt32(settings.MaxNumber / 2, settings.MaxNumber + 1);
        return scheme.Create(counter, settings.Cost, clock.GetUtcNow() + settings.Lifetime);
    }

    /// <summary>
    /// Verifies <paramref name="solution"/> (the header's value, null when absent) and, when it is a solved challenge still valid,
    /// records it as used. Redis being unreachable surfaces as StackExchange.Redis's exceptions, which the Api answers with 503.
    /// </summary>
    public async Task<ChallengeRedemption> RedeemAsync(string? solution)
    {
        var outcome = await RedeemCoreAsync(solution);
        Redemptions.Add(1, new KeyValuePair<string, object?>("outcome", OutcomeTag(outcome)));
        if (outcome != ChallengeRedemption.Accepted)
        {
            logger.LogDebug("Join challenge refused: {Outcome}", outcome);
        }

        return outcome;
    }

    private async Task<ChallengeRedemption> RedeemCoreAsync(string? solution)
    {
        if (string.IsNullOrEmpty(solution))
        {
            return ChallengeRedemption.Missing;
        }

        var now = clock.GetUtcNow();
        var check = scheme.Verify(solution, now);
        switch (check.Verdict)
        {
            case AltchaVerdict.Malformed: return ChallengeRedemption.Malformed;
            case AltchaVerdict.Forged: return ChallengeRedemption.Forged;
            case AltchaVerdict.Expired: return ChallengeRedemption.Expired;
            case AltchaVerdict.Unsolved: return ChallengeRedemption.Unsolved;
        }

        // Kept until the challenge expires (at least a second: Redis refuses a zero expiry); after that Verify refuses it anyway.
        var left = DateTimeOffset.FromUnixTimeSeconds(check.Challenge!.ExpiresAt) - now;
        var ttl = left < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : left;
        var db = redis.GetDatabase();
        var first = await db.TracedAsync("SET", "challenge:used",
            () => db.StringSetAsync(UsedKeyPrefix + check.Challenge.Nonce, 1, ttl, When.NotExists));
        return first ? ChallengeRedemption.Accepted : ChallengeRedemption.AlreadyUsed;
    }

    private static string OutcomeTag(ChallengeRedemption outcome) => outcome switch
    {
        ChallengeRedemption.Accepted => "accepted",
        ChallengeRedemption.Missing => "missing",
        ChallengeRedemption.Malformed => "malformed",
        ChallengeRedemption.Forged => "forged",
        ChallengeRedemption.Expired => "expired",
        ChallengeRedemption.Unsolved => "unsolved",
        _ => "already_used",
    };
}
