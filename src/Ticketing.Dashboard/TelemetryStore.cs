using System.Collections.Concurrent;
using Google.Protobuf;
using Ticketing.Dashboard.Otlp;

namespace Ticketing.Dashboard;

/// <summary>A span as the developer view shows it.</summary>
/// <param name="TraceId">32 hex digits.</param>
/// <param name="SpanId">16 hex digits.</param>
/// <param name="ParentSpanId">16 hex digits, or empty for a root.</param>
/// <param name="Service">The exporting resource's <c>service.name</c>.</param>
/// <param name="Name">Span name.</param>
/// <param name="Kind">Server, Client, Producer, Consumer or Internal.</param>
/// <param name="Start">Start (UTC).</param>
/// <param name="End">End (UTC).</param>
/// <param name="IsError">Status ERROR.</param>
/// <param name="Attributes">Attributes as text.</param>
/// <param name="Links">Linked spans as (trace id, span id).</param>
public sealed record SpanView(string TraceId, string SpanId, string ParentSpanId, string Service, string Name, string Kind,
    DateTime Start, DateTime End, bool IsError, IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<(string TraceId, string SpanId)> Links)
{
    /// <summary>Duration.</summary>
    public TimeSpan Duration => End - Start;
}

/// <summary>A log record as the developer view shows it.</summary>
/// <param name="At">When (UTC).</param>
/// <param name="Service">The exporting resource's <c>service.name</c>.</param>
/// <param name="Severity">Severity text.</param>
/// <param name="Message">Formatted message or body.</param>
/// <param name="TraceId">Trace id of the request it belongs to, or empty.</param>
/// <param name="SpanId">Span id, or empty.</param>
public sealed record LogView(DateTime At, string Service, string Severity, string Message, string TraceId, string SpanId);

/// <summary>The latest value of one metric stream.</summary>
/// <param name="Service">Exporting service.</param>
/// <param name="Name">Instrument name.</param>
/// <param name="Unit">Unit.</param>
/// <param name="Attributes">The stream's attributes as <c>k=v</c> text.</param>
/// <param name="Value">Sum/gauge value, or a histogram's count.</param>
/// <param name="Extra">For histograms: sum and mean.</param>
/// <param name="At">When it was measured (UTC).</param>
public sealed record MetricView(string Service, string Name, string Unit, string Attributes, double Value, string Extra, DateTime At);

/// <summary>
/// The developer view's memory: the last traces, logs and metric values received over OTLP, and the console lines of
/// every resource. Bounded (oldest dropped first), thread-safe, in memory only — like the Aspire dashboard's.
/// </summary>
public sealed class TelemetryStore
{
    private const int MaxTraces = 1000;
    private const int MaxLogs = 5000;
    private const int MaxConsoleLines = 2000;

    private readonly ConcurrentDictionary<string, List<SpanView>> _traces = new();
    private readonly ConcurrentQueue<string> _traceOrder = new();
    private readonly ConcurrentQueue<LogView> _logs = new();
    private readonly ConcurrentDictionary<string, MetricView> _metrics = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _console = new();

    /// <summary>Keeps the spans of an OTLP trace export.</summary>
    public void Add(ExportTraceServiceRequest request)
    {
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var service = ServiceName(resourceSpans.Resource);
            foreach (var span in resourceSpans.ScopeSpans.SelectMany(s => s.Spans))
            {
                var view = new SpanView(Hex(span.TraceId), Hex(span.SpanId), Hex(span.ParentSpanId), service, span.Name,
                    span.Kind.ToString().Replace("SpanKind", "", StringComparison.Ordinal), Time(span.StartTimeUnixNano), Time(span.EndTimeUnixNano),
                    span.Status?.Code == Status.Types.StatusCode.Error, Attributes(span.Attributes),
                    span.Links.Select(l => (Hex(l.TraceId), Hex(l.SpanId))).ToList());
                var list = _traces.GetOrAdd(view.TraceId, id =>
                {
                    _traceOrder.Enqueue(id);
                    return [];
                });
                lock (list)
                {
                    list.Add(view);
                }
            }
        }

        while (_traceOrder.Count > MaxTraces && _traceOrder.TryDequeue(out var oldest))
        {
            _traces.TryRemove(oldest, out _);
        }
    }

    /// <summary>Keeps the records of an OTLP log export.</summary>
    public void Add(ExportLogsServiceRequest request)
    {
        foreach (var resourceLogs in request.ResourceLogs)
        {
            var service = ServiceName(resourceLogs.Resource);
            foreach (var record in resourceLogs.ScopeLogs.SelectMany(s => s.LogRecords))
            {
                _logs.Enqueue(new LogView(Time(record.TimeUnixNano != 0 ? record.TimeUnixNano : record.ObservedTimeUnixNano), service,
                    record.SeverityText is { Length: > 0 } text ? text : $"#{record.SeverityNumber}", Text(record.Body), Hex(record.TraceId), Hex(record.SpanId)));
            }
        }

        while (_logs.Count > MaxLogs && _logs.TryDequeue(out _))
        {
        }
    }

    /// <summary>Keeps the latest point of every metric stream of an OTLP metric export.</summary>
    public void Add(ExportMetricsServiceRequest request)
    {
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            var service = ServiceName(resourceMetrics.Resource);
            foreach (var metric in resourceMetrics.ScopeMetrics.SelectMany(s => s.Metrics))
            {
                var points = metric.DataCase switch
                {
                    Metric.DataOneofCase.Sum => metric.Sum.DataPoints.Select(p => (p.Attributes, Value: Number(p), Extra: "", p.TimeUnixNano)),
                    Metric.DataOneofCase.Gauge => metric.Gauge.DataPoints.Select(p => (p.Attributes, Value: Number(p), Extra: "", p.TimeUnixNano)),
                    Metric.DataOneofCase.Histogram => metric.Histogram.DataPoints.Select(p => (p.Attributes, Value: (double)p.Count,
                        Extra: p.Count > 0 ? $"sum {p.Sum:G4}, mean {p.Sum / p.Count:G4}" : "", p.TimeUnixNano)),
                    _ => [],
                };
                foreach (var (attributes, value, extra, time) in points)
                {
                    var text = string.Join(", ", Attributes(attributes).Select(a => $"{a.Key}={a.Value}"));
                    _metrics[$"{service}|{metric.Name}|{text}"] = new MetricView(service, metric.Name, metric.Unit, text, value, extra, Time(time));
                }
            }
        }
    }

    /// <summary>Keeps one console line of a resource.</summary>
    public void AddConsoleLine(string resource, string line)
    {
        var lines = _console.GetOrAdd(resource, _ => new ConcurrentQueue<string>());
        lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
        while (lines.Count > MaxConsoleLines && lines.TryDequeue(out _))
        {
        }
    }

    /// <summary>The last console lines of <paramref name="resource"/>, oldest first.</summary>
    public IReadOnlyList<string> ConsoleLines(string resource) => _console.TryGetValue(resource, out var lines) ? [.. lines] : [];

    /// <summary>The spans of one trace, by start time; empty when unknown.</summary>
    public IReadOnlyList<SpanView> Trace(string traceId)
    {
        if (!_traces.TryGetValue(traceId, out var list))
        {
            return [];
        }

        lock (list)
        {
            return [.. list.OrderBy(s => s.Start)];
        }
    }

    /// <summary>The most recent traces (by their first span's start), newest first.</summary>
    public IReadOnlyList<IReadOnlyList<SpanView>> RecentTraces(int count) =>
        [.. _traces.Keys.Select(Trace).Where(t => t.Count > 0).OrderByDescending(t => t[0].Start).Take(count)];

    /// <summary>The most recent log records, newest first.</summary>
    public IReadOnlyList<LogView> RecentLogs(int count) => [.. _logs.Reverse().Take(count)];

    /// <summary>The latest value of every metric stream whose name starts with one of <paramref name="prefixes"/>.</summary>
    public IReadOnlyList<MetricView> Metrics(params string[] prefixes) =>
        [.. _metrics.Values.Where(m => prefixes.Length == 0 || prefixes.Any(p => m.Name.StartsWith(p, StringComparison.Ordinal)))
            .OrderBy(m => m.Name).ThenBy(m => m.Service).ThenBy(m => m.Attributes)];

    private static string ServiceName(Resource? resource) =>
        resource?.Attributes.FirstOrDefault(a => a.Key == "service.name")?.Value?.StringValue ?? "unknown";

    private static Dictionary<string, string> Attributes(IEnumerable<KeyValue> attributes)
    {
        var result = new Dictionary<string, string>();
        foreach (var attribute in attributes)
        {
            result[attribute.Key] = Text(attribute.Value);
        }

        return result;
    }

    private static string Text(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.ArrayValue => "[" + string.Join(", ", value.ArrayValue.Values.Select(Text)) + "]",
        AnyValue.ValueOneofCase.KvlistValue => "{" + string.Join(", ", value.KvlistValue.Values.Select(v => $"{v.Key}={Text(v.Value)}")) + "}",
        AnyValue.ValueOneofCase.BytesValue => Convert.ToHexString(value.BytesValue.Span),
        _ => "",
    };

    private static double Number(NumberDataPoint point) => point.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? point.AsInt : point.AsDouble;

    private static string Hex(ByteString bytes) => bytes.IsEmpty ? "" : Convert.ToHexStringLower(bytes.Span);

    private static DateTime Time(ulong unixNanos) => DateTime.UnixEpoch.AddTicks((long)(unixNanos / 100));
}
