using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;

namespace Ticketing.Web.Security;

/// <summary>
/// Server-side sessions for ASP.NET Core cookie authentication (<see cref="CookieAuthenticationOptions.SessionStore"/>): the
/// signed-in person's ticket (name, roles, the Api access token) lives in an <see cref="IDistributedCache"/> — the system's
/// Redis — and the session cookie carries only its key. Signing out removes the entry, so a copy of the cookie taken before
/// then is worth nothing afterwards (the cookie handler finds no ticket and treats the request as anonymous).
/// </summary>
/// <remarks>
/// Entries are data-protected (purpose <see cref="Purpose"/>): the Api access token is not readable from Redis alone. Each
/// entry expires with its ticket (<see cref="AuthenticationProperties.ExpiresUtc"/>, the access token's expiry), else after
/// <paramref name="defaultLifetime"/>. Keys are 256 random bits (base64url).
/// While the cache cannot be read (Redis down or restarting), a request is treated as signed out rather than failing: pages that
/// need an account send the person to sign in, and a sign-in fails (the error page) until the cache is back, when the sessions
/// it kept are valid again. Nobody is let in who was not.
/// </remarks>
public sealed class DistributedCacheTicketStore(IDistributedCache cache, IDataProtectionProvider dataProtection, TimeSpan defaultLifetime,
    TimeProvider clock, ILogger<DistributedCacheTicketStore> logger) : ITicketStore
{
    /// <summary>The data-protection purpose of the stored tickets.</summary>
    public const string Purpose = "Ticketing.Web.Sessions";

    private readonly IDataProtector _protector = dataProtection.CreateProtector(Purpose);

    /// <inheritdoc />
    public Task<string> StoreAsync(AuthenticationTicket ticket) => StoreAsync(ticket, CancellationToken.None);

    /// <summary>Stores <paramref name="ticket"/> under a new random key and returns the key.</summary>
    public async Task<string> StoreAsync(AuthenticationTicket ticket, CancellationToken cancellationToken)
    {
        var key = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        await RenewAsync(key, ticket, cancellationToken);
        return key;
    }

    /// <inheritdoc />
    public Task RenewAsync(string key, AuthenticationTicket ticket) => RenewAsync(key, ticket, CancellationToken.None);

    /// <summary>Replaces the ticket under <paramref name="key"/>, with the ticket's expiry.</summary>
    public Task RenewAsync(string key, AuthenticationTicket ticket, CancellationToken cancellationToken)
    {
        var expires = ticket.Properties.ExpiresUtc ?? clock.GetUtcNow().Add(defaultLifetime);
        var value = _protector.Protect(TicketSerializer.Default.Serialize(ticket));
        return cache.SetAsync(key, value, new DistributedCacheEntryOptions { AbsoluteExpiration = expires }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<AuthenticationTicket?> RetrieveAsync(string key) => RetrieveAsync(key, CancellationToken.None);

    /// <summary>
    /// The ticket under <paramref name="key"/>, or null when there is none (signed out, expired), it cannot be read (the
    /// data-protection keys changed) or the cache does not answer: the request is then anonymous.
    /// </summary>
    public async Task<AuthenticationTicket?> RetrieveAsync(string key, CancellationToken cancellationToken)
    {
        byte[]? value;
        try
        {
            value = await cache.GetAsync(key, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "The session store does not answer; the request is treated as signed out");
            return null;
        }

        if (value is null)
        {
            return null;
        }

        try
        {
            return TicketSerializer.Default.Deserialize(_protector.Unprotect(value));
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public Task RemoveAsync(string key) => RemoveAsync(key, CancellationToken.None);

    /// <summary>Removes the ticket under <paramref name="key"/> (sign-out).</summary>
    public Task RemoveAsync(string key, CancellationToken cancellationToken) => cache.RemoveAsync(key, cancellationToken);
}
