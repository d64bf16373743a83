using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Ticketing.IntegrationTests.Support;

/// <summary>
/// Tokens the way the Api signs them (HS256 JWTs, issuer <c>ticketing-api</c>, audience <c>ticketing-access</c> or
/// <c>ticketing-queue</c>; shared/API.md), minted by tests with a system's key — or another key, or other times — to reach
/// users they inserted directly and the edges of token validation.
/// </summary>
public static class TestTokens
{
    /// <summary>The Api's issuer.</summary>
    public const string Issuer = "ticketing-api";

    /// <summary>A JWT for <paramref name="audience"/> with <paramref name="claims"/>, valid from <paramref name="issuedAt"/> to <paramref name="expires"/> (UTC).</summary>
    public static string Sign(string audience, IDictionary<string, object> claims, SecurityKey key, DateTime issuedAt, DateTime expires) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = expires,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });

    /// <summary>The same, signed with a system's key (base64, <see cref="TestSystem.SigningKey"/>).</summary>
    public static string Sign(string audience, IDictionary<string, object> claims, string signingKey, DateTime issuedAt, DateTime expires) =>
        Sign(audience, claims, new SymmetricSecurityKey(Convert.FromBase64String(signingKey)), issuedAt, expires);
}
