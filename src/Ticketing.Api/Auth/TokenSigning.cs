using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Ticketing.Api.Auth;

/// <summary>
/// Issues and validates the Api's signed JWTs (RFC 7519, HS256) with Microsoft.IdentityModel's
/// <see cref="JsonWebTokenHandler"/>. Access tokens and queue tokens share the key but not the audience,
/// so neither can be used as the other.
/// </summary>
public sealed class TokenSigning
{
    /// <summary>Audience of access tokens (<c>Authorization: Bearer</c>).</summary>
    public const string AccessAudience = "ticketing-access";

    /// <summary>Audience of queue tokens (<c>X-Queue-Token</c>).</summary>
    public const string QueueAudience = "ticketing-queue";

    /// <summary>The claim of an access token's roles: <c>role</c>, as the JWT profiles of RFC 9068 (§2.2.3.1) and RFC 7643 name it.</summary>
    public const string RoleClaimType = "role";

    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly string _issuer;

    /// <summary>Builds the key from <see cref="AuthOptions.SigningKey"/>.</summary>
    public TokenSigning(IOptions<AuthOptions> options)
    {
        _issuer = options.Value.Issuer;
        Key = new SymmetricSecurityKey(DecodeKey(options.Value.SigningKey));
    }

    /// <summary>The HMAC key (also handed to the JwtBearer handler).</summary>
    public SymmetricSecurityKey Key { get; }

    /// <summary>Signs a token for <paramref name="audience"/> with the given claims, valid until <paramref name="expiresAt"/>.</summary>
    public string Create(string audience, IEnumerable<Claim> claims, DateTimeOffset issuedAt, DateTimeOffset expiresAt) =>
        _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _issuer,
            Audience = audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = issuedAt.UtcDateTime,
            NotBefore = issuedAt.UtcDateTime,
            Expires = expiresAt.UtcDateTime,
            SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.HmacSha256),
        });

    /// <summary>
    /// Validation rules for <paramref name="audience"/>: this issuer, this key, HS256 only (so <c>alg: none</c>
    /// and key-confusion tokens fail), lifetime checked with 30 s clock skew.
    /// </summary>
    public TokenValidationParameters ValidationParameters(string audience) => new()
    {
        ValidIssuer = _issuer,
        ValidAudience = audience,
        IssuerSigningKey = Key,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ClockSkew = TimeSpan.FromSeconds(30),
        NameClaimType = JwtRegisteredClaimNames.Name,
        RoleClaimType = RoleClaimType,
    };

    /// <summary>Validates <paramref name="token"/> for <paramref name="audience"/>; the result says why it failed.</summary>
    public Task<TokenValidationResult> ValidateAsync(string token, string audience) =>
        _handler.ValidateTokenAsync(token, ValidationParameters(audience));

    private static byte[] DecodeKey(string value)
    {
        try
        {
            var bytes = Convert.FromBase64String(value);
            if (bytes.Length >= 32)
            {
                return bytes;
            }
        }
        catch (FormatException)
        {
            // Not base64: use the text itself.
        }

        return Encoding.UTF8.GetBytes(value);
    }
}
