using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Ticketing.Web.Security;
using Ticketing.Web.Services;

namespace Ticketing.UnitTests.Web;

public class WebDefencesTests
{
    [Fact]
    public void The_policy_allows_no_inline_script_and_keeps_the_page_out_of_frames_plugins_and_foreign_forms()
    {
        var policy = SecurityHeaders.ContentSecurityPolicy;
        policy.ShouldContain("default-src 'self'");
        policy.ShouldContain("script-src 'self';");
        policy.ShouldContain("object-src 'none'");
        policy.ShouldContain("base-uri 'self'");
        policy.ShouldContain("form-action 'self'");
        policy.ShouldContain("frame-ancestors 'none'");
        policy.ShouldNotContain("unsafe-inline");
        policy.ShouldNotContain("unsafe-eval");
        SecurityHeaders.ContentSecurityPolicyDirectives.Select(d => d.Key).ShouldBeUnique();
    }

    [Fact]
    public async Task The_error_page_of_an_exception_keeps_the_security_headers_the_exception_handler_clears()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        await using var app = builder.Build();
        app.UseSecurityHeaders();
        app.UseExceptionHandler(error => error.Run(context => context.Response.WriteAsync("error page"))); // clears the response first
        app.MapGet("/boom", IResult () => throw new InvalidOperationException("boom"));
        await app.StartAsync(TestContext.Current.CancellationToken);

        var response = await app.GetTestClient().GetAsync("/boom", TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).ShouldBe("error page");
        response.Headers.GetValues("Content-Security-Policy").ShouldBe([SecurityHeaders.ContentSecurityPolicy]);
        response.Headers.GetValues("X-Content-Type-Options").ShouldBe(["nosniff"]);
        response.Headers.GetValues("Referrer-Policy").ShouldBe([SecurityHeaders.ReferrerPolicy]);
        response.Headers.GetValues("X-Frame-Options").ShouldBe(["DENY"]);
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData("127.0.0.1", 1)]
    [InlineData("10.0.0.0/8, ::1 ,fd00::/8", 3)]
    public void Trusted_proxies_are_addresses_or_cidr_networks_and_none_by_default(string setting, int count)
    {
        var networks = new TrustedProxyOptions { TrustedProxies = setting }.Networks(out var error);
        error.ShouldBeNull();
        networks!.Count.ShouldBe(count);
    }

    [Fact]
    public void A_single_address_trusts_that_address_only()
    {
        var network = new TrustedProxyOptions { TrustedProxies = "10.0.0.5" }.Networks(out _)!.Single();
        network.Contains(IPAddress.Parse("10.0.0.5")).ShouldBeTrue();
        network.Contains(IPAddress.Parse("10.0.0.6")).ShouldBeFalse();
    }

    [Theory]
    [InlineData("proxy.internal")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.1,nonsense")]
    public void A_trusted_proxy_that_is_no_address_is_refused_with_its_name(string setting)
    {
        new TrustedProxyOptions { TrustedProxies = setting }.Networks(out var error).ShouldBeNull();
        error.ShouldNotBeNull().ShouldContain("Ticketing:Web:TrustedProxies");
    }

    [Fact]
    public async Task A_stored_session_comes_back_until_it_is_removed_and_its_key_is_not_guessable()
    {
        var cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        var store = new DistributedCacheTicketStore(cache, new EphemeralDataProtectionProvider(), TimeSpan.FromHours(1), TimeProvider.System, NullLogger<DistributedCacheTicketStore>.Instance);
        var ticket = new AuthenticationTicket(
            new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "ana"), new Claim("access_token", "secret-token")], "Cookies")),
            new AuthenticationProperties { ExpiresUtc = DateTimeOffset.UtcNow.AddMinutes(30) },
            "Cookies");

        var key = await store.StoreAsync(ticket, TestContext.Current.CancellationToken);
        var other = await store.StoreAsync(ticket, TestContext.Current.CancellationToken);

        key.Length.ShouldBe(43); // 256 bits, base64url
        other.ShouldNotBe(key);
        System.Text.Encoding.Latin1.GetString((await cache.GetAsync(key, TestContext.Current.CancellationToken))!)
            .ShouldNotContain("secret-token", customMessage: "the access token is data-protected in the store");
        var back = await store.RetrieveAsync(key, TestContext.Current.CancellationToken);
        back.ShouldNotBeNull().Principal.Identity!.Name.ShouldBe("ana");

        await store.RemoveAsync(key, TestContext.Current.CancellationToken);
        (await store.RetrieveAsync(key, TestContext.Current.CancellationToken)).ShouldBeNull();
        (await store.RetrieveAsync(other, TestContext.Current.CancellationToken)).ShouldNotBeNull();
    }

    [Fact]
    public async Task A_session_written_under_other_keys_reads_as_signed_out()
    {
        var cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        var ticket = new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "ana")], "Cookies")), "Cookies");
        var key = await new DistributedCacheTicketStore(cache, new EphemeralDataProtectionProvider(), TimeSpan.FromHours(1), TimeProvider.System, NullLogger<DistributedCacheTicketStore>.Instance)
            .StoreAsync(ticket, TestContext.Current.CancellationToken);

        var afterKeyChange = new DistributedCacheTicketStore(cache, new EphemeralDataProtectionProvider(), TimeSpan.FromHours(1), TimeProvider.System, NullLogger<DistributedCacheTicketStore>.Instance);

        (await afterKeyChange.RetrieveAsync(key, TestContext.Current.CancellationToken)).ShouldBeNull();
    }

    [Fact]
    public async Task A_session_store_that_does_not_answer_reads_as_signed_out_never_as_signed_in()
    {
        var store = new DistributedCacheTicketStore(new UnreachableCache(), new EphemeralDataProtectionProvider(), TimeSpan.FromHours(1), TimeProvider.System,
            NullLogger<DistributedCacheTicketStore>.Instance);

        (await store.RetrieveAsync("any", TestContext.Current.CancellationToken)).ShouldBeNull();
    }

    [Fact]
    public async Task Every_Api_call_behind_a_page_carries_the_browser_address_once_even_when_retried()
    {
        var page = new DefaultHttpContext();
        page.Connection.RemoteIpAddress = IPAddress.Parse("::ffff:203.0.113.7"); // Kestrel's dual-mode socket
        var sent = new List<string[]>();
        using var api = new HttpMessageInvoker(new ApiTokensHandler(new HttpContextAccessor { HttpContext = page }, NullLogger<ApiTokensHandler>.Instance)
        {
            InnerHandler = new Recorder(sent),
        });
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://api/api/concerts");

        await api.SendAsync(request, TestContext.Current.CancellationToken);
        await api.SendAsync(request, TestContext.Current.CancellationToken); // a resilience retry sends the same message again

        sent.ShouldAllBe(forwardedFor => forwardedFor.SequenceEqual(new[] { "203.0.113.7" }));
    }

    [Fact]
    public async Task An_Api_call_with_no_page_behind_it_names_no_address()
    {
        var sent = new List<string[]>();
        using var api = new HttpMessageInvoker(new ApiTokensHandler(new HttpContextAccessor(), NullLogger<ApiTokensHandler>.Instance) { InnerHandler = new Recorder(sent) });

        await api.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://api/api/concerts"), TestContext.Current.CancellationToken);

        sent.ShouldHaveSingleItem().ShouldBeEmpty();
    }

    /// <summary>A cache whose server is away (as StackExchange.Redis throws RedisConnectionException).</summary>
    private sealed class UnreachableCache : IDistributedCache
    {
        public byte[]? Get(string key) => throw new IOException("unreachable");

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => throw new IOException("unreachable");

        public void Refresh(string key) => throw new IOException("unreachable");

        public Task RefreshAsync(string key, CancellationToken token = default) => throw new IOException("unreachable");

        public void Remove(string key) => throw new IOException("unreachable");

        public Task RemoveAsync(string key, CancellationToken token = default) => throw new IOException("unreachable");

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new IOException("unreachable");

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => throw new IOException("unreachable");
    }

    /// <summary>Answers 200 and records each request's <c>X-Forwarded-For</c> values.</summary>
    private sealed class Recorder(List<string[]> sent) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            sent.Add(request.Headers.TryGetValues("X-Forwarded-For", out var values) ? [.. values] : []);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }
}
