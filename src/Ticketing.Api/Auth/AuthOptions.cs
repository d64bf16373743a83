using System.ComponentModel.DataAnnotations;

namespace Ticketing.Api.Auth;

/// <summary>
/// Token settings, bound from <c>Ticketing:Auth</c> and validated at start-up. The AppHost generates the
/// signing key on first run and passes it as <c>Ticketing__Auth__SigningKey</c>.
/// </summary>
public sealed class AuthOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Ticketing:Auth";

    /// <summary>HMAC-SHA256 key for access and queue tokens: base64 of at least 32 bytes, or a plain string of at least 32 characters.</summary>
    [Required, MinLength(32)]
    public string SigningKey { get; set; } = "";

    /// <summary>The <c>iss</c> of every token this Api issues.</summary>
    [Required]
    public string Issuer { get; set; } = "ticketing-api";

    /// <summary>Lifetime of an access token (default 1 hour; 1 minute to 1 day).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);
}
