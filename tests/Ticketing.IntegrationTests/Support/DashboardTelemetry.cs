using System.Net;
using System.Text.Json.Nodes;

namespace Ticketing.IntegrationTests.Support;

/// <summary>The kind of a span (OTLP's <c>Span.SpanKind</c> numbers).</summary>
public enum SpanKind
{
    Unspecified = 0,
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5,
}

/// <summary>One span of the dashboard's OTLP JSON, flattened: its service (resource attribute <c>service.name</c>), its attributes
/// as text and the span ids it links to.</summary>
public sealed record Span(string Service, string TraceId, string SpanId, string? ParentSpanId, string Name, SpanKind Kind,
    Dictionary<string, string> Attributes, List<string> Links);

/// <summary>
/// A client of the Aspire dashboard's telemetry HTTP API (<c>/api/telemetry/…</c>; answers are OTLP JSON in a <c>data</c>
/// envelope; the key goes in header <c>x-api-key</c>, the AppHost's <c>AppHost:DashboardApiKey</c>). See
/// https://aspire.dev/dashboard/apis/.
/// </summary>
public sealed class DashboardTelemetry(Uri dashboard, string apiKey) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = dashboard, Timeout = TimeSpan.FromSeconds(10), DefaultRequestHeaders = { { "x-api-key", apiKey } } };

    /// <summary>The spans of an answer of <c>/api/telemetry/traces/{id}</c> or <c>/api/telemetry/spans?…</c>; none for a 404 (not seen yet).</summary>
    public async Task<List<Span>> SpansAsync(string path)
    {
        var spans = new List<Span>();
        foreach (var resource in (await GetAsync(path))["data"]?["resourceSpans"]?.AsArray() ?? [])
        {
            var service = Attributes(resource!["resource"]?["attributes"]).GetValueOrDefault("service.name", "");
            foreach (var scope in resource["scopeSpans"]?.AsArray() ?? [])
            {
                foreach (var span in scope!["spans"]?.AsArray() ?? [])
                {
                    spans.Add(new Span(service, span!["traceId"]!.GetValue<string>(), span["spanId"]!.GetValue<string>(),
                        span["parentSpanId"]?.GetValue<string>() is { Length: > 0 } parent ? parent : null,
                        span["name"]!.GetValue<string>(), (SpanKind)(span["kind"]?.GetValue<int>() ?? 0), Attributes(span["attributes"]),
                        [.. (span["links"]?.AsArray() ?? []).Select(l => l!["spanId"]!.GetValue<string>())]));
                }
            }
        }

        return spans;
    }

    /// <summary>The messages (bodies) of the log records an answer of <c>/api/telemetry/logs?…</c> holds.</summary>
    public async Task<List<string>> LogMessagesAsync(string path) =>
        [.. ((await GetAsync(path))["data"]?["resourceLogs"]?.AsArray() ?? [])
            .SelectMany(r => r!["scopeLogs"]?.AsArray() ?? [])
            .SelectMany(s => s!["logRecords"]?.AsArray() ?? [])
            .Select(l => l!["body"]?["stringValue"]?.GetValue<string>() ?? "")];

    /// <summary>
    /// The log messages of every instance of resource <paramref name="name"/> (<c>/api/telemetry/logs?resource=…</c> per instance: with
    /// replicas a bare name is ambiguous and answers 404, so each instance is asked by its display name).
    /// </summary>
    public async Task<List<string>> LogMessagesOfAsync(string name, int limit = 1000)
    {
        var messages = new List<string>();
        foreach (var instance in await InstancesAsync(name))
        {
            messages.AddRange(await LogMessagesAsync($"/api/telemetry/logs?resource={Uri.EscapeDataString(instance)}&limit={limit}"));
        }

        return messages;
    }

    /// <summary>The display names (<c>api-&lt;id&gt;</c>) of resource <paramref name="name"/>'s instances that sent telemetry.</summary>
    public async Task<List<string>> InstancesAsync(string name) =>
        [.. ((await GetAsync("/api/telemetry/resources")) as JsonArray ?? [])
            .Where(r => r!["name"]?.GetValue<string>() == name).Select(r => r!["displayName"]!.GetValue<string>())];

    /// <summary>The names of the resources that sent telemetry with traces (<c>/api/telemetry/resources</c>).</summary>
    public async Task<List<string>> ResourcesWithTracesAsync() =>
        [.. ((await GetAsync("/api/telemetry/resources")) as JsonArray ?? [])
            .Where(r => r!["hasTraces"]?.GetValue<bool>() == true)
            .Select(r => r!["name"]!.GetValue<string>()).Distinct()];

    private async Task<JsonNode> GetAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return new JsonObject(); // a trace or resource the dashboard has not seen yet
        }

        response.StatusCode.ShouldBe(HttpStatusCode.OK, $"GET {path}: {await response.Content.ReadAsStringAsync()}");
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    // OTLP JSON key/value pairs; values of any scalar type as their text.
    private static Dictionary<string, string> Attributes(JsonNode? attributes)
    {
        var result = new Dictionary<string, string>();
        foreach (var attribute in attributes?.AsArray() ?? [])
        {
            var value = attribute!["value"]?.AsObject().FirstOrDefault().Value;
            result[attribute["key"]!.GetValue<string>()] = value?.ToString() ?? "";
        }

        return result;
    }

    public void Dispose() => _http.Dispose();
}
