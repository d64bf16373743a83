using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Google.Protobuf;
using Ticketing.Dashboard.Components;
using Ticketing.Dashboard.Otlp;

namespace Ticketing.Dashboard;

/// <summary>
/// The stand-in for the Aspire dashboard (which cannot be installed here): one small Kestrel app on a fixed local port
/// (default 18888, Aspire's) that receives OTLP over HTTP/protobuf at <c>/v1/traces</c>, <c>/v1/logs</c> and
/// <c>/v1/metrics</c> (the OTLP/HTTP specification's paths) and renders the resources with state, endpoints and health,
/// each resource's console log, recent traces with a waterfall per trace, structured logs and the sale's key metrics.
/// The pages are Razor components (<c>Components/</c>) rendered on the server (<see cref="RazorComponentResult{TComponent}"/>).
/// </summary>
public sealed class DeveloperView : IAsyncDisposable
{
    private static readonly string[] KeyMetricPrefixes = ["ticketing.", "http.server.request.duration", "db.client.operation.duration"];
    private readonly WebApplication _app;

    private DeveloperView(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>Where the pages and the OTLP receiver listen, e.g. <c>http://127.0.0.1:18888/</c>.</summary>
    public Uri Url { get; }

    /// <summary>Starts the view on 127.0.0.1:<paramref name="port"/> over <paramref name="store"/> and <paramref name="resources"/>.</summary>
    public static async Task<DeveloperView> StartAsync(int port, TelemetryStore store, ResourceBoard resources, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 32 * 1024 * 1024);
        builder.Services.AddHttpClient("health", c => c.Timeout = TimeSpan.FromSeconds(1));
        builder.Services.AddRazorComponents();
        var app = builder.Build();

        app.MapPost("/v1/traces", (HttpRequest request) => ReceiveAsync(request, ExportTraceServiceRequest.Parser, store.Add, new ExportTraceServiceResponse()));
        app.MapPost("/v1/logs", (HttpRequest request) => ReceiveAsync(request, ExportLogsServiceRequest.Parser, store.Add, new ExportLogsServiceResponse()));
        app.MapPost("/v1/metrics", (HttpRequest request) => ReceiveAsync(request, ExportMetricsServiceRequest.Parser, store.Add, new ExportMetricsServiceResponse()));

        app.MapGet("/", async (IHttpClientFactory http) => Page<ResourcesPage>(new() { ["Rows"] = await ResourceRowsAsync(resources, http.CreateClient("health")) }));
        // Resource commands (Aspire dashboard's restart, stop, start). Only from this view's own pages: a POST that another site's
        // page makes the browser send carries that site's Origin and is refused, so no web page can stop a developer's system.
        app.MapPost("/resources/{name}/{command}", async (string name, string command, HttpRequest request) =>
        {
            var origin = request.Headers.Origin.ToString();
            if (origin.Length > 0 && !string.Equals(origin.TrimEnd('/'), $"http://{request.Host}", StringComparison.OrdinalIgnoreCase))
            {
                return Results.StatusCode(StatusCodes.Status403Forbidden);
            }

            return await resources.RunCommandAsync(name, command) ? Results.Redirect("/", permanent: false) : Results.NotFound();
        });
        app.MapGet("/console/{name}", (string name) => Page<ConsolePage>(new() { ["Name"] = name, ["Lines"] = store.ConsoleLines(name) }));
        app.MapGet("/traces", (string? service) => Page<TracesPage>(new()
        {
            ["Traces"] = store.RecentTraces(300).Where(t => service is null || t.Any(s => s.Service == service)).Take(100).ToList(),
            ["Service"] = service,
        }));
        app.MapGet("/traces/{traceId}", (string traceId) =>
        {
            var spans = store.Trace(traceId);
            var page = Page<TracePage>(new() { ["TraceId"] = traceId, ["Spans"] = spans });
            page.StatusCode = spans.Count > 0 ? StatusCodes.Status200OK : StatusCodes.Status404NotFound;
            return page;
        });
        app.MapGet("/logs", (string? traceId) => Page<LogsPage>(new() { ["Logs"] = store.RecentLogs(2000).Where(l => traceId is null || l.TraceId == traceId).Take(300).ToList() }));
        app.MapGet("/metrics", () => Page<MetricsPage>(new() { ["Metrics"] = store.Metrics(KeyMetricPrefixes) }));

        await app.StartAsync(cancellationToken);
        return new DeveloperView(app, new Uri($"http://127.0.0.1:{port}/"));
    }

    /// <summary>Stops the web server.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task<IResult> ReceiveAsync<T>(HttpRequest request, MessageParser<T> parser, Action<T> keep, IMessage response) where T : IMessage<T>
    {
        if (request.ContentType?.StartsWith("application/x-protobuf", StringComparison.OrdinalIgnoreCase) != true)
        {
            return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
        }

        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        try
        {
            keep(parser.ParseFrom(body.ToArray()));
        }
        catch (InvalidProtocolBufferException)
        {
            return Results.BadRequest();
        }

        return Results.Bytes(response.ToByteArray(), "application/x-protobuf");
    }

    // Each resource with its live health: null when it has no /health, else whether it answered 200 (and what it said if not).
    private static async Task<IReadOnlyList<ResourceRow>> ResourceRowsAsync(ResourceBoard resources, HttpClient http) =>
        await Task.WhenAll(resources.All.Select(async r =>
        {
            if (r.Health is null)
            {
                return new ResourceRow(r, null, "", resources.HasCommands(r.Name));
            }

            try
            {
                using var response = await http.GetAsync(r.Health);
                return new ResourceRow(r, response.IsSuccessStatusCode,
                    response.IsSuccessStatusCode ? "" : $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}", resources.HasCommands(r.Name));
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return new ResourceRow(r, false, "no answer", resources.HasCommands(r.Name));
            }
        }));

    private static RazorComponentResult<TPage> Page<TPage>(Dictionary<string, object?> parameters) where TPage : IComponent => new(parameters);
}

/// <summary>A row of the resources page.</summary>
/// <param name="Entry">The resource.</param>
/// <param name="Healthy">Null when it has no health endpoint; else whether <c>/health</c> answered 200.</param>
/// <param name="HealthDetail">What an unhealthy answer said (status and body), or <c>no answer</c>.</param>
/// <param name="HasCommands">True when restart, stop and start apply to it.</param>
public sealed record ResourceRow(ResourceEntry Entry, bool? Healthy, string HealthDetail, bool HasCommands);

/// <summary>Presentation helpers of the pages.</summary>
public static class Styles
{
    /// <summary>The colour slot (CSS class <c>svc-n</c>) of a service: web, api, queueworker, test, others.</summary>
    public static int Slot(string service) => service switch { "web" => 0, "api" => 1, "queueworker" => 2, "test" => 3, _ => 4 };
}
