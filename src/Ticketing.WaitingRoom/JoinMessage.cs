using System.Text.Json;

namespace Ticketing.WaitingRoom;

/// <summary>
/// A join as written to the joins topic (<see cref="QueueOptions.JoinsTopic"/>): Kafka key = concert id,
/// value = this record as JSON (camelCase), header <c>traceparent</c> = the W3C trace context of the join request.
/// </summary>
/// <param name="TokenId">The queue token's id (its <c>jti</c>).</param>
/// <param name="UserId">Who joined.</param>
/// <param name="ConcertId">Which concert's line.</param>
/// <param name="JoinedAt">When the Api accepted the join (UTC).</param>
public sealed record JoinMessage(Guid TokenId, Guid UserId, Guid ConcertId, DateTimeOffset JoinedAt)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The message value.</summary>
    public string Serialize() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a message value; null when it is not a join (a poison message is skipped, not retried forever).</summary>
    public static JoinMessage? TryDeserialize(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        try
        {
            var message = JsonSerializer.Deserialize<JoinMessage>(value, Json);
            return message is { TokenId: var t, ConcertId: var c } && t != Guid.Empty && c != Guid.Empty ? message : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
