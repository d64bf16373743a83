using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using System.Text;
using Google.Protobuf;
using Ticketing.AppHost.Dashboard.Otlp;

namespace Ticketing.AppHost.Dashboard;

/// <summary>
/// The stand-in for the Aspire dashboard (which cannot be installed here): one small Kestrel app on a fixed local port
/// (default 18888, Aspire's) that receives OTLP over HTTP/protobuf at <c>/v1/traces</c>, <c>/v1/logs</c> and
/// <c>/v1/metrics</c> (the OTLP/HTTP specification's paths) and renders the resources with state, endpoints and health,
/// each resource's console log, recent traces with a waterfall per trace, structured logs and the sale's key metrics.
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
        var app = builder.Build();

        app.MapPost("/v1/traces", (HttpRequest request) => ReceiveAsync(request, ExportTraceServiceRequest.Parser, store.Add, new ExportTraceServiceResponse()));
        app.MapPost("/v1/logs", (HttpRequest request) => ReceiveAsync(request, ExportLogsServiceRequest.Parser, store.Add, new ExportLogsServiceResponse()));
        app.MapPost("/v1/metrics", (HttpRequest request) => ReceiveAsync(request, ExportMetricsServiceRequest.Parser, store.Add, new ExportMetricsServiceResponse()));

        app.MapGet("/", async (IHttpClientFactory http) => Page("Resources", await ResourcesHtmlAsync(resources, http.CreateClient("health")), refreshSeconds: 5));
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
        app.MapGet("/console/{name}", (string name) => Page($"Console · {name}",
            $"<p>Last {store.ConsoleLines(name).Count} lines of <b>{E(name)}</b> (newest at the bottom).</p><pre class=\"console\">{E(string.Join('\n', store.ConsoleLines(name).TakeLast(500)))}</pre>",
            refreshSeconds: 3));
        app.MapGet("/traces", (string? service) => Page("Traces", TracesHtml(store, service), refreshSeconds: 5));
        app.MapGet("/traces/{traceId}", (string traceId) => store.Trace(traceId) is { Count: > 0 } spans
            ? Page($"Trace {traceId[..8]}…", WaterfallHtml(traceId, spans))
            : Results.Content(Layout("Trace not found", $"<p>No spans of trace <code>{E(traceId)}</code> (yet). Traces arrive about a second after the request.</p>"), "text/html", statusCode: 404));
        app.MapGet("/logs", (string? traceId) => Page("Structured logs", LogsHtml(store, traceId), refreshSeconds: 5));
        app.MapGet("/metrics", () => Page("Metrics", MetricsHtml(store), refreshSeconds: 5));

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

    private static async Task<string> ResourcesHtmlAsync(ResourceBoard resources, HttpClient http)
    {
        var all = resources.All;
        var health = await Task.WhenAll(all.Select(async r =>
        {
            if (r.Health is null)
            {
                return "—";
            }

            try
            {
                using var response = await http.GetAsync(r.Health);
                return response.IsSuccessStatusCode ? "<span class=\"ok\">Healthy</span>" : $"<span class=\"bad\">{(int)response.StatusCode} {E(await response.Content.ReadAsStringAsync())}</span>";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return "<span class=\"bad\">no answer</span>";
            }
        }));
        var rows = new StringBuilder();
        for (var i = 0; i < all.Count; i++)
        {
            var r = all[i];
            var endpoints = string.Join("<br>", r.Endpoints.Select(e => e.StartsWith("http", StringComparison.Ordinal) ? $"<a href=\"{E(e)}\">{E(e)}</a>" : E(e)));
            rows.Append(CultureInvariant($"<tr data-resource=\"{E(r.Name)}\"><td><b>{E(r.Name)}</b></td><td class=\"state-{E(r.State)}\">{E(r.State)}</td><td class=\"num\">{r.Restarts}</td><td>{E(r.LastExit ?? "")}</td><td>{endpoints}</td><td>{health[i]}</td><td><a href=\"/console/{E(r.Name)}\">console</a> · <a href=\"/traces?service={E(r.Name)}\">traces</a>{Commands(resources, r.Name)}</td></tr>"));
        }

        return $"<table><thead><tr><th>Resource</th><th>State</th><th>Restarts</th><th>Last exit</th><th>Endpoints</th><th>Health</th><th></th></tr></thead><tbody>{rows}</tbody></table>";
    }

    private static string TracesHtml(TelemetryStore store, string? service)
    {
        var rows = new StringBuilder();
        foreach (var spans in store.RecentTraces(300).Where(t => service is null || t.Any(s => s.Service == service)).Take(100))
        {
            var root = spans.FirstOrDefault(s => s.ParentSpanId.Length == 0 || spans.All(p => p.SpanId != s.ParentSpanId)) ?? spans[0];
            var start = spans.Min(s => s.Start);
            var duration = spans.Max(s => s.End) - start;
            var services = string.Join(" ", spans.Select(s => s.Service).Distinct().Select(s => $"<span class=\"svc svc-{Slot(s)}\">{E(s)}</span>"));
            rows.Append(CultureInvariant($"<tr><td>{start:HH:mm:ss.fff}</td><td><a href=\"/traces/{spans[0].TraceId}\">{E(root.Service)}: {E(root.Name)}</a>{(spans.Any(s => s.IsError) ? " <span class=\"bad\">error</span>" : "")}</td><td>{services}</td><td class=\"num\">{spans.Count}</td><td class=\"num\">{duration.TotalMilliseconds:F1} ms</td></tr>"));
        }

        var filter = service is null ? "" : $"<p>Only traces that reach <b>{E(service)}</b>. <a href=\"/traces\">All traces</a></p>";
        return $"{filter}<table><thead><tr><th>Start (UTC)</th><th>Root</th><th>Services</th><th>Spans</th><th>Duration</th></tr></thead><tbody>{rows}</tbody></table>";
    }

    private static string WaterfallHtml(string traceId, IReadOnlyList<SpanView> spans)
    {
        var start = spans.Min(s => s.Start);
        var total = Math.Max((spans.Max(s => s.End) - start).TotalMilliseconds, 0.001);
        var byId = spans.GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First());
        var children = spans.GroupBy(s => byId.ContainsKey(s.ParentSpanId) ? s.ParentSpanId : "").ToDictionary(g => g.Key, g => g.OrderBy(s => s.Start).ToList());
        var rows = new StringBuilder();
        void Walk(SpanView span, int depth)
        {
            var left = (span.Start - start).TotalMilliseconds / total * 100;
            var width = Math.Max(span.Duration.TotalMilliseconds / total * 100, 0.3);
            var attributes = string.Join("", span.Attributes.OrderBy(a => a.Key).Select(a => $"<tr><td>{E(a.Key)}</td><td>{E(a.Value)}</td></tr>"));
            var links = string.Join("", span.Links.Select(l => $"<div>link → <a href=\"/traces/{l.TraceId}\">{l.TraceId[..8]}…/{l.SpanId}</a></div>"));
            rows.Append(CultureInvariant($"""
                <tr class="span" data-service="{E(span.Service)}" data-kind="{E(span.Kind)}">
                  <td style="padding-left:{depth * 14 + 4}px"><span class="svc svc-{Slot(span.Service)}">{E(span.Service)}</span> {E(span.Name)} <small>{E(span.Kind)}</small>{(span.IsError ? " <span class=\"bad\">error</span>" : "")}
                    <details><summary>attributes</summary><table class="attrs">{attributes}</table>{links}<div><small>span {span.SpanId} · parent {(span.ParentSpanId.Length > 0 ? span.ParentSpanId : "none")}</small></div></details></td>
                  <td class="bar-cell"><div class="bar svc-{Slot(span.Service)}" style="margin-left:{left:F2}%;width:{width:F2}%"></div></td>
                  <td class="num">{span.Duration.TotalMilliseconds:F2} ms</td>
                </tr>
                """));
            foreach (var child in children.GetValueOrDefault(span.SpanId, []))
            {
                Walk(child, depth + 1);
            }
        }

        foreach (var root in children.GetValueOrDefault("", []))
        {
            Walk(root, 0);
        }

        var services = string.Join(", ", spans.Select(s => s.Service).Distinct());
        return CultureInvariant($"<p>Trace <code>{traceId}</code>: {spans.Count} spans across {E(services)}, {total:F1} ms. <a href=\"/logs?traceId={traceId}\">Its logs</a></p><table class=\"waterfall\"><thead><tr><th>Span</th><th style=\"width:45%\">Timeline</th><th>Duration</th></tr></thead><tbody>{rows}</tbody></table>");
    }

    private static string LogsHtml(TelemetryStore store, string? traceId)
    {
        var rows = new StringBuilder();
        foreach (var log in store.RecentLogs(2000).Where(l => traceId is null || l.TraceId == traceId).Take(300))
        {
            var trace = log.TraceId.Length > 0 ? $"<a href=\"/traces/{log.TraceId}\">{log.TraceId[..8]}…</a>" : "";
            rows.Append(CultureInvariant($"<tr><td>{log.At:HH:mm:ss.fff}</td><td><span class=\"svc svc-{Slot(log.Service)}\">{E(log.Service)}</span></td><td>{E(log.Severity)}</td><td>{E(log.Message)}</td><td>{trace}</td></tr>"));
        }

        return $"<table><thead><tr><th>Time (UTC)</th><th>Service</th><th>Level</th><th>Message</th><th>Trace</th></tr></thead><tbody>{rows}</tbody></table>";
    }

    private static string MetricsHtml(TelemetryStore store)
    {
        var rows = new StringBuilder();
        foreach (var m in store.Metrics(KeyMetricPrefixes))
        {
            rows.Append(CultureInvariant($"<tr><td><b>{E(m.Name)}</b></td><td><span class=\"svc svc-{Slot(m.Service)}\">{E(m.Service)}</span></td><td>{E(m.Attributes)}</td><td class=\"num\">{m.Value:G6} {E(m.Unit)}</td><td>{E(m.Extra)}</td><td>{m.At:HH:mm:ss}</td></tr>"));
        }

        return "<p>Latest value of each stream: counters are totals since the service started (joins/s = its rise per second), gauges are current, " +
            "histograms show count, sum and mean.</p>" +
            $"<table><thead><tr><th>Metric</th><th>Service</th><th>Attributes</th><th>Value</th><th></th><th>At (UTC)</th></tr></thead><tbody>{rows}</tbody></table>";
    }

    private static string Commands(ResourceBoard resources, string name) => resources.HasCommands(name)
        ? string.Concat(ResourceBoard.CommandNames.Select(c =>
            $" <form method=\"post\" action=\"/resources/{E(name)}/{c}\" style=\"display:inline\"><button data-command=\"{c}\">{c}</button></form>"))
        : "";

    private static IResult Page(string title, string body, int refreshSeconds = 0) =>
        Results.Content(Layout(title, body, refreshSeconds), "text/html; charset=utf-8");

    private static string Layout(string title, string body, int refreshSeconds = 0) => $$"""
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{{E(title)}} · Ticketing developer view</title>
        {{(refreshSeconds > 0 ? $"<meta http-equiv=\"refresh\" content=\"{refreshSeconds}\">" : "")}}
        <style>
          body { font: 14px system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1d2330; }
          nav { background: #1d2330; padding: .6rem 1rem; } nav a { color: #fff; margin-right: 1.2rem; text-decoration: none; }
          main { padding: 1rem; } table { border-collapse: collapse; width: 100%; background: #fff; }
          th, td { border-bottom: 1px solid #e3e6ea; padding: .3rem .5rem; text-align: left; vertical-align: top; }
          .num { text-align: right; white-space: nowrap; } .ok { color: #1a7f37; } .bad { color: #c62828; }
          .console { background: #111; color: #ddd; padding: .8rem; font-size: 12px; overflow-x: auto; }
          .svc { border-radius: 3px; padding: 0 .35rem; font-size: 12px; color: #fff; }
          .svc-0 { background: #5b6ee1; } .svc-1 { background: #d9822b; } .svc-2 { background: #1a9c6b; } .svc-3 { background: #b04fc4; } .svc-4 { background: #777; }
          .bar-cell { background: #fafbfc; } .bar { height: 12px; border-radius: 2px; min-width: 2px; }
          .attrs td { font-size: 12px; border: 0; padding: 0 .4rem; } details summary { cursor: pointer; color: #667; font-size: 12px; }
        </style></head><body>
        <nav><b style="color:#9cf;margin-right:1.5rem">Ticketing · developer view</b><a href="/">Resources</a><a href="/traces">Traces</a><a href="/logs">Structured logs</a><a href="/metrics">Metrics</a></nav>
        <main><h1 style="font-size:1.3rem">{{E(title)}}</h1>{{body}}</main></body></html>
        """;

    private static int Slot(string service) => service switch { "web" => 0, "api" => 1, "queueworker" => 2, "test" => 3, _ => 4 };

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);
}
