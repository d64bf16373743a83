using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;

namespace Ticketing.Api.Infrastructure;

/// <summary>
/// The Api's JSON: web defaults (camelCase), times as ISO-8601 UTC with a <c>Z</c> (API.md: <c>2026-12-24T19:00:00Z</c>).
/// The same options serialise live responses and the responses stored for idempotent replays, so a replay is byte-identical.
/// </summary>
public static class ApiJson
{
    /// <summary>The options; do not mutate.</summary>
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>Applies the Api's settings to <paramref name="options"/>.</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        // A number is a JSON number: "5" for a seat is a wrong type (400), as API.md says, and the OpenAPI document says integer.
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Converters.Add(new UtcDateTimeOffsetConverter());
        return options;
    }

    /// <summary>Uses <see cref="Configure"/> for minimal-API request and response bodies.</summary>
    public static IServiceCollection AddApiJson(this IServiceCollection services) =>
        services.Configure<JsonOptions>(options => Configure(options.SerializerOptions));

    private sealed class UtcDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetDateTimeOffset();

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
    }
}
