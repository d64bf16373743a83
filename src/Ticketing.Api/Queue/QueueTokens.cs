using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Ticketing.Api.Auth;
using Ticketing.WaitingRoom;

namespace Ticketing.Api.Queue;

/// <summary>Outcome of reading an <c>X-Queue-Token</c>.</summary>
public enum QueueTokenReadStatus
{
    /// <summary>Signed by us, a queue token, within its lifetime.</summary>
    Valid,

    /// <summary>Missing, malformed, forged, <c>alg: none</c>, an access token, or missing claims.</summary>
    Invalid,

    /// <summary>Signed by us but past its <c>exp</c>.</summary>
    Expired,
}

/// <summary>
/// Queue tokens: JWTs (RFC 7519, HS256) with audience <see cref="TokenSigning.QueueAudience"/>, <c>sub</c> = user id,
/// <c>concert</c> = concert id and <c>jti</c> = the token id that keys its state in Redis. The signature proves who and
/// which concert; the status (WAITING/ACTIVE/EXPIRED) lives in Redis, so revoking needs no token blacklist.
/// </summary>
public sealed class QueueTokens(TokenSigning signing)
{
    /// <summary>Claim that carries the concert id.</summary>
    public const string ConcertClaim = "concert";

    /// <summary>
    /// Signs a queue token valid for <see cref="QueueOptions.TokenRetention"/> from <paramref name="now"/>, or from
    /// <paramref name="opensAt"/> when the sale opens later (a pre-queue join keeps a valid pass until a day past the opening).
    /// </summary>
    public string Issue(Guid tokenId, Guid userId, Guid concertId, DateTimeOffset now, DateTimeOffset? opensAt = null) =>
        signing.Create(TokenSigning.QueueAudience,
            [
                new Claim(JwtRegisteredClaimNames.Jti, tokenId.ToString()),
                new Claim(JwtRegisteredClaimNames.Sub, userId.ToString()),
                new Claim(ConcertClaim, concertId.ToString()),
            ],
            now, (opensAt > now ? opensAt.Value : now) + QueueOptions.TokenRetention);

    /// <summary>Validates <paramref name="token"/> and reads its claims; <see cref="QueuePass"/> is set only when <see cref="QueueTokenReadStatus.Valid"/>.</summary>
    public async Task<(QueueTokenReadStatus Status, QueuePass? Pass)> ReadAsync(string? token)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 4096)
        {
            return (QueueTokenReadStatus.Invalid, null);
        }

        var result = await signing.ValidateAsync(token.Trim(), TokenSigning.QueueAudience);
        if (!result.IsValid)
        {
            return (result.Exception is SecurityTokenExpiredException ? QueueTokenReadStatus.Expired : QueueTokenReadStatus.Invalid, null);
        }

        return Guid.TryParse(ClaimOf(result, JwtRegisteredClaimNames.Jti), out var tokenId)
            && Guid.TryParse(ClaimOf(result, JwtRegisteredClaimNames.Sub), out var userId)
            && Guid.TryParse(ClaimOf(result, ConcertClaim), out var concertId)
                ? (QueueTokenReadStatus.Valid, new QueuePass(tokenId, userId, concertId))
                : (QueueTokenReadStatus.Invalid, null);
    }

    private static string? ClaimOf(TokenValidationResult result, string name) =>
        result.Claims.TryGetValue(name, out var value) ? value as string : null;
}
