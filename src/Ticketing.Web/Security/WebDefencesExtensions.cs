using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.CookiePolicy;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Ticketing.Web.Security;

/// <summary>
/// The Web's defences, set up with what ASP.NET Core gives: forwarded headers from a trusted TLS proxy, the security headers
/// (<see cref="SecurityHeaders"/>), HSTS, Secure and HttpOnly cookies (the cookie policy), and server-side sessions in Redis
/// (<see cref="DistributedCacheTicketStore"/>). README "The Web's defences" lists each with its setting.
/// </summary>
public static class WebDefencesExtensions
{
    /// <summary>Prefix of the session keys in Redis (the Api's keys start <c>wr:</c>, <c>hold:</c>).</summary>
    public const string SessionKeyPrefix = "web:session:";

    /// <summary>
    /// Registers the defences' services: <see cref="TrustedProxyOptions"/> (validated at start-up) feeding
    /// <see cref="ForwardedHeadersOptions"/>; the cookie policy (<c>Secure</c> always outside Development; in Development only on
    /// https requests, since <c>./run.sh</c> and the tests serve plain http on 127.0.0.1; <c>HttpOnly</c> always); and the Redis
    /// distributed cache (Microsoft.Extensions.Caching.StackExchangeRedis) on <c>ConnectionStrings:redis</c> as the cookie
    /// authentication's session store.
    /// </summary>
    /// <exception cref="InvalidOperationException"><c>ConnectionStrings:redis</c> is missing.</exception>
    public static WebApplicationBuilder AddWebDefences(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TrustedProxyOptions>()
            .BindConfiguration(TrustedProxyOptions.SectionName)
            .Validate(options => options.Networks(out _) is not null, "Ticketing:Web:TrustedProxies lists an entry that is neither an IP address nor a CIDR network.")
            .ValidateOnStart();
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<TrustedProxyOptions>>((forwarded, proxies) =>
        {
            // ASP.NET Core trusts loopback by default; here nothing is trusted unless configured.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            var networks = proxies.Value.Networks(out _) ?? [];
            foreach (var network in networks)
            {
                forwarded.KnownIPNetworks.Add(network);
            }

            forwarded.ForwardedHeaders = networks.Count == 0 ? ForwardedHeaders.None : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Walk back X-Forwarded-For through every trusted proxy (a CDN before a load balancer); the first address that is
            // not a trusted proxy is the browser's.
            forwarded.ForwardLimit = null;
        });

        // One policy for every cookie the Web writes: the session, the queue tokens and joined-at positions, antiforgery, TempData.
        builder.Services.Configure<CookiePolicyOptions>(options =>
        {
            options.Secure = builder.Environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
            options.HttpOnly = HttpOnlyPolicy.Always; // no script of the Web reads a cookie
        });

        var redis = ConfigurationOptions.Parse(builder.GetRequiredConnectionString("redis"));
        redis.AbortOnConnectFail = false; // reconnects by itself; meanwhile requests are signed out (DistributedCacheTicketStore)
        builder.Services.AddStackExchangeRedisCache(options =>
        {
            options.ConfigurationOptions = redis;
            options.InstanceName = SessionKeyPrefix;
        });
        builder.Services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IDistributedCache, IDataProtectionProvider, ILogger<DistributedCacheTicketStore>>((options, cache, dataProtection, logger) =>
                options.SessionStore = new DistributedCacheTicketStore(cache, dataProtection, options.ExpireTimeSpan, TimeProvider.System, logger));
        return builder;
    }

    /// <summary>
    /// Puts the defences first in the pipeline, before anything that can answer: forwarded headers (so everything after sees
    /// the browser's address and scheme), the security headers, HSTS outside Development (ASP.NET Core's defaults: max-age 30
    /// days, only on https requests to hosts other than localhost), and the cookie policy.
    /// </summary>
    public static WebApplication UseWebDefences(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseSecurityHeaders();
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }

        app.UseCookiePolicy();
        return app;
    }
}
