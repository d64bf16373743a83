using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ticketing.Api.Balance;

/// <summary>
/// Reads a points amount so that every JSON number gets the amount rule's answer (400 <c>INVALID_AMOUNT</c>) rather
/// than a binding failure: a whole number in the <see cref="long"/> range is read as is; a fraction (<c>1.5</c>) or a
/// number beyond ±2⁶³ is read as <see cref="long.MinValue"/>, which no rule accepts. Money is an integer number of
/// points (API.md). Non-numbers (strings, objects) still fail binding: 400 <c>INVALID_REQUEST</c>.
/// </summary>
public sealed class PointsAmountConverter : JsonConverter<long?>
{
    /// <summary>The value a non-integral or out-of-range number is read as.</summary>
    public const long NotAWholeAmount = long.MinValue;

    /// <inheritdoc />
    public override long? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.Number => reader.TryGetInt64(out var value) ? value : NotAWholeAmount,
        _ => throw new JsonException("The amount must be a whole number of points."),
    };

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, long? value, JsonSerializerOptions options)
    {
        if (value is { } amount)
        {
            writer.WriteNumberValue(amount);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
