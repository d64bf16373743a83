using StackExchange.Redis;
using Ticketing.WaitingRoom;

namespace Ticketing.Api.Users;

/// <summary>
/// Growing back-off per account name after failed sign-ins (OWASP Authentication Cheat Sheet, "Protect against automated
/// attacks"; NIST SP 800-63B §5.2.2 rate limiting): the first <see cref="FreeFailures"/> failures cost nothing; each further one
/// blocks the name for <see cref="FirstBackOff"/>, doubling per failure up to <see cref="MaxBackOff"/>; a sign-in during the block
/// is refused (429 <c>RATE_LIMITED</c>) without checking the password, so the right password does not get through either. A
/// success clears the count; the count is forgotten <see cref="Memory"/> after the last failure. Kept in Redis (key
/// <c>auth:fail:{lower-case name}</c>, a hash of <c>n</c> failures and <c>until</c> Unix ms) so every Api replica shares it. It
/// applies to names whether or not an account has them, so it tells an attacker nothing about which names exist.
/// <para>When Redis does not answer, the throttle steps aside (logged) rather than failing sign-in with it: signing in needs only
/// Postgres, and the per-address rate limit (in each Api's memory) still brakes a script meanwhile.</para>
/// </summary>
public sealed class SignInThrottle(IConnectionMultiplexer redis, TimeProvider clock, ILogger<SignInThrottle> logger)
{
    /// <summary>Failures allowed before the back-off starts.</summary>
    public const int FreeFailures = 5;

    /// <summary>The first block, after failure <see cref="FreeFailures"/> + 1 (1 s).</summary>
    public static readonly TimeSpan FirstBackOff = TimeSpan.FromSeconds(1);

    /// <summary>The longest block (15 min).</summary>
    public static readonly TimeSpan MaxBackOff = TimeSpan.FromMinutes(15);

    /// <summary>How long failures are remembered after the last one (1 h).</summary>
    public static readonly TimeSpan Memory = TimeSpan.FromHours(1);

    // KEYS: the name's key. ARGV: nowMs. Returns the ms left of a block, 0 when free.
    private const string CheckScript = """
        local blocked = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
        if blocked > tonumber(ARGV[1]) then return blocked - tonumber(ARGV[1]) end
        return 0
        """;

    // KEYS: the name's key. ARGV: nowMs, freeFailures, firstMs, maxMs, memoryMs. Returns the failure count.
    private const string FailScript = """
        local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
        local over = n - tonumber(ARGV[2])
        if over > 0 then
          local wait = math.min(tonumber(ARGV[3]) * 2 ^ (over - 1), tonumber(ARGV[4]))
          redis.call('HSET', KEYS[1], 'until', tonumber(ARGV[1]) + wait)
        end
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        return n
        """;

    /// <summary>How long <paramref name="name"/> is still blocked; null when it may try now (or Redis did not answer).</summary>
    public async Task<TimeSpan?> BlockedForAsync(string name)
    {
        var db = redis.GetDatabase();
        var left = await StepAsideOnFailureAsync(async () =>
            (long)await db.EvaluateTracedAsync("sign-in-check", CheckScript, [Key(name)], [clock.GetUtcNow().ToUnixTimeMilliseconds()]));
        return left > 0 ? TimeSpan.FromMilliseconds(left) : null;
    }

    /// <summary>Counts a failed sign-in of <paramref name="name"/> and starts or lengthens its block past <see cref="FreeFailures"/>.</summary>
    public Task FailedAsync(string name)
    {
        var db = redis.GetDatabase();
        return StepAsideOnFailureAsync(async () => (long)await db.EvaluateTracedAsync("sign-in-failed", FailScript, [Key(name)],
        [
            clock.GetUtcNow().ToUnixTimeMilliseconds(), FreeFailures, (long)FirstBackOff.TotalMilliseconds,
            (long)MaxBackOff.TotalMilliseconds, (long)Memory.TotalMilliseconds,
        ]));
    }

    /// <summary>Clears <paramref name="name"/>'s failures after a successful sign-in.</summary>
    public Task SucceededAsync(string name)
    {
        var db = redis.GetDatabase();
        return StepAsideOnFailureAsync(async () => await db.TracedAsync("DEL", "sign-in", () => db.KeyDeleteAsync(Key(name))) ? 1L : 0L);
    }

    private async Task<long> StepAsideOnFailureAsync(Func<Task<long>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException or InvalidOperationException)
        {
            logger.LogWarning(ex, "The sign-in throttle could not reach Redis; this sign-in goes unthrottled");
            return 0;
        }
    }

    private static string Key(string name) => "auth:fail:" + name.ToLowerInvariant();
}
