using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Ticketing.Api.Infrastructure;

/// <summary>A token bucket: <see cref="Burst"/> requests at once, then <see cref="PerSecond"/> a second (refilled continuously).</summary>
public sealed class RateRule
{
    /// <summary>Requests allowed at once (the bucket's size), 1..1,000,000.</summary>
    [Range(1, 1_000_000)]
    public int Burst { get; set; }

    /// <summary>Sustained requests per second (the refill rate), 0.001..1,000,000.</summary>
    [Range(0.001, 1_000_000)]
    public double PerSecond { get; set; }

    /// <summary>ASP.NET Core's token-bucket options for this rule (no queueing: over the limit is refused at once).</summary>
    public TokenBucketRateLimiterOptions ToLimiter() => new()
    {
        TokenLimit = Burst,
        // Whole tokens per period: under one a second, one token every 1/PerSecond s.
        TokensPerPeriod = PerSecond >= 1 ? (int)Math.Round(PerSecond) : 1,
        ReplenishmentPeriod = PerSecond >= 1 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(1 / PerSecond),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}

/// <summary>
/// Rate limits, bound from <c>Ticketing:RateLimits</c> (API.md "Limits, challenges and the pre-queue"; issue 19). Per-user rules
/// do the fine work on the routes a script repeats (join, poll, hold, payment, charge); sign-up and sign-in, which have no user
/// yet, are per client address; and one generous per-address rule over every <c>/api</c> route stops a flood from one address
/// while still letting a crowd behind one NAT through (hundreds of people joining, polling and holding in the same second).
/// Defaults are far above what a person using the Web does (it polls every 2 s, holds a seat per click).
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Ticketing:RateLimits";

    /// <summary>Off switch for a load test or a test run that is a crowd on purpose (default on).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Every <c>/api</c> request of one client address (default 2,000 at once, 1,000/s).</summary>
    [Required]
    public RateRule PerAddress { get; set; } = new() { Burst = 2000, PerSecond = 1000 };

    /// <summary><c>POST /api/users</c> per address (default 10 at once, then one every 5 s).</summary>
    [Required]
    public RateRule SignUp { get; set; } = new() { Burst = 10, PerSecond = 0.2 };

    /// <summary><c>POST /api/auth/token</c> per address (default 30 at once, 1/s); per account, failures back off (<see cref="Users.SignInThrottle"/>).</summary>
    [Required]
    public RateRule SignIn { get; set; } = new() { Burst = 30, PerSecond = 1 };

    /// <summary><c>POST /api/concerts/{id}/queue</c> per user (default 10 at once, then one every 5 s).</summary>
    [Required]
    public RateRule Join { get; set; } = new() { Burst = 10, PerSecond = 0.2 };

    /// <summary>Queue status polls and stream opens per user (default 20 at once, 5/s; the Web polls every 2 s).</summary>
    [Required]
    public RateRule Poll { get; set; } = new() { Burst = 20, PerSecond = 5 };

    /// <summary><c>POST /api/holds</c> per user (default 20 at once, 2/s).</summary>
    [Required]
    public RateRule Hold { get; set; } = new() { Burst = 20, PerSecond = 2 };

    /// <summary><c>POST /api/payments</c> per user (default 10 at once, 1/s).</summary>
    [Required]
    public RateRule Payment { get; set; } = new() { Burst = 10, PerSecond = 1 };

    /// <summary><c>POST /api/balance/charges</c> per user (default 10 at once, 1/s).</summary>
    [Required]
    public RateRule Charge { get; set; } = new() { Burst = 10, PerSecond = 1 };
}

/// <summary>
/// ASP.NET Core rate limiting for the Api (Microsoft.AspNetCore.RateLimiting): the named policies of <see cref="RateLimitOptions"/>
/// and the per-address global limiter; a refusal is 429 <c>RATE_LIMITED</c> with <c>Retry-After</c> (seconds, RFC 9110 §10.2.3).
/// The client address is the connection's, or — behind the Web or a proxy — the <c>X-Forwarded-For</c> that ASP.NET Core's
/// forwarded-headers middleware accepts from loopback and the networks in <c>Ticketing:ForwardedHeaders:KnownNetworks</c>.
/// </summary>
public static class RateLimits
{
    /// <summary>Policy names, one per limited route.</summary>
    public const string SignUp = "sign-up", SignIn = "sign-in", Join = "join", Poll = "poll", Hold = "hold", Payment = "payment", Charge = "charge";

    /// <summary>Registers the limiter, its options (validated at start-up) and the forwarded-headers rules.</summary>
    public static IServiceCollection AddApiRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            options.ForwardLimit = 1; // the last hop only: the Web, or the proxy in front
            foreach (var network in configuration.GetSection("Ticketing:ForwardedHeaders:KnownNetworks").Get<string[]>() ?? [])
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });

        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, settings) =>
        {
            var rules = settings.Value;
            limiter.OnRejected = OnRejectedAsync;
            // Each named policy: its rule and what it counts by (the client address, or the signed-in user).
            (string Name, RateRule Rule, Func<HttpContext, string> Key)[] policies =
            [
                (SignUp, rules.SignUp, AddressOf), (SignIn, rules.SignIn, AddressOf), (Join, rules.Join, CallerOf), (Poll, rules.Poll, CallerOf),
                (Hold, rules.Hold, CallerOf), (Payment, rules.Payment, CallerOf), (Charge, rules.Charge, CallerOf),
            ];
            foreach (var (name, rule, key) in policies)
            {
                if (rules.Enabled)
                {
                    limiter.AddPolicy(name, http => RateLimitPartition.GetTokenBucketLimiter(key(http), _ => rule.ToLimiter()));
                }
                else
                {
                    limiter.AddPolicy(name, _ => RateLimitPartition.GetNoLimiter("off"));
                }
            }

            if (rules.Enabled)
            {
                limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                    http.Request.Path.StartsWithSegments("/api")
                        ? RateLimitPartition.GetTokenBucketLimiter(AddressOf(http), _ => rules.PerAddress.ToLimiter())
                        : RateLimitPartition.GetNoLimiter("not-api"));
            }
        });
        return services;
    }

    /// <summary>The client's address (after forwarded headers), <c>unknown</c> when the server has none.</summary>
    public static string AddressOf(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    // The signed-in user (the access token's `sub`); a request without a valid token is counted by its address.
    private static string CallerOf(HttpContext http) =>
        http.User.FindFirst(JwtRegisteredClaimNames.Sub)?.Value is { } sub ? "user:" + sub : "address:" + AddressOf(http);

    private static async ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        ApiMetrics.RateLimited.Add(1, new KeyValuePair<string, object?>("route", context.HttpContext.GetEndpoint()?.DisplayName ?? "?"));
        await ApiProblems.RateLimited(context.HttpContext, retryAfter, "Too many requests", seconds => $"Slow down: try again in {seconds} s.")
            .ExecuteAsync(context.HttpContext);
    }
}
