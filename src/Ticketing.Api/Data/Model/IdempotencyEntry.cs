namespace Ticketing.Api.Data.Model;

/// <summary>
/// A row of <c>idempotency_keys</c>, primary key (user, key). Written by <see cref="Idempotency.IdempotencyStore"/>:
/// inserted in flight, completed with the response in the effect's own transaction.
/// </summary>
public sealed class IdempotencyEntry
{
    /// <summary>The caller (foreign key to <c>users</c>).</summary>
    public Guid UserId { get; set; }

    /// <summary>The client's <c>Idempotency-Key</c>, 1–255 characters (check <c>idempotency_keys_key_check</c>).</summary>
    public string Key { get; set; } = "";

    /// <summary>SHA-256 (hex) of the operation and its body.</summary>
    public string RequestHash { get; set; } = "";

    /// <summary>HTTP status of the stored response; null while in flight.</summary>
    public int? StatusCode { get; set; }

    /// <summary>JSON body of the stored response; null while in flight.</summary>
    public string? ResponseBody { get; set; }

    /// <summary>When the key was claimed (UTC; column default <c>now()</c>); responses are kept 24 h from it.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the effect committed (UTC); null while in flight.</summary>
    public DateTimeOffset? CompletedAt { get; set; }
}
