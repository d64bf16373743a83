using System.Diagnostics;
using System.Net;
using Ticketing.Dashboard;
using Ticketing.Hosting;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Telemetry;

/// <summary>
/// Every hop in one trace: real Api and QueueWorker processes export OTLP/HTTP to the AppHost's own receiver (the
/// developer view) running inside the test; the test's HttpClient is the first hop and sends a W3C traceparent.
/// </summary>
public class TraceTests(DefaultSystem fixture)
{
    [Fact]
    public async Task A_join_is_one_trace_from_the_client_through_Api_Redis_and_Kafka_to_the_workers_admission_and_a_payment_reaches_Postgres()
    {
        var store = new TelemetryStore();
        var board = new ResourceBoard();
        await using var view = await DeveloperView.StartAsync(FreePort.Next(), store, board);
        await using var system = await fixture.StartSystemAsync("traced", new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = view.Url.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            // Joins are logged per request at Debug (Information is for what an operator needs per sale); an engineer following
            // one request turns its category up, as here.
            ["Logging__LogLevel__QueueEndpoints"] = "Debug",
        });
        board.Set("api", "running", [system.ApiUrl.ToString()], new Uri(system.ApiUrl, "/health"));
        var api = system.Driver;
        var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
        var user = await api.CreateUserAsync(initialBalance: 500_000);

        // The click on "join": the test is the first hop. Raw HTTP here and for the payment below, to put a traceparent of
        // the test's own on the wire.
        var (joinTrace, clientSpan) = (ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom());
        var join = new HttpRequestMessage(HttpMethod.Post, $"/api/concerts/{concert.ConcertId}/queue");
        join.Headers.Authorization = new("Bearer", user.AccessToken);
        join.Headers.Add("traceparent", $"00-{joinTrace}-{clientSpan}-01");
        var joined = await api.Http.SendAsync(join);
        await joined.ShouldHaveStatusAsync(HttpStatusCode.Created);
        var ticket = new QueueTicket(concert.ConcertId, (await joined.ReadJsonAsync<System.Text.Json.Nodes.JsonObject>())["queueToken"]!.GetValue<string>(), "", 0);
        await api.WaitUntilActiveAsync(user, ticket);

        // Spans arrive in export batches, in any order: wait for every one the assertions need.
        var spans = await EventuallyAsync(() => store.Trace(joinTrace.ToString()), s =>
            s.Any(x => x.Service == "api" && x.Kind == "Server") && s.Any(x => x.Kind == "Producer") && s.Any(x => x.Name == "EVALSHA join")
            && s.Any(x => x.Service == "queueworker" && x.Name.EndsWith(" receive", StringComparison.Ordinal))
            && s.Any(x => x.Service == "queueworker" && x.Name.EndsWith(" process", StringComparison.Ordinal)));
        var server = spans.Single(s => s.Service == "api" && s.Kind == "Server");
        server.ParentSpanId.ShouldBe(clientSpan.ToString(), "the Api continues the caller's trace (W3C traceparent)");
        server.Attributes["http.request.method"].ShouldBe("POST");
        spans.ShouldContain(s => s.Service == "api" && s.Kind == "Client" && s.Attributes.GetValueOrDefault("db.system") == "redis" && s.Name == "EVALSHA join");
        // The concert lookup is the in-memory catalog's (CatalogCache): a join reaches Postgres only for a concert the copy does not know yet.
        var producer = spans.Single(s => s.Service == "api" && s.Kind == "Producer");
        producer.Attributes["messaging.system"].ShouldBe("kafka");
        var receive = spans.Single(s => s.Service == "queueworker" && s.Kind == "Consumer" && s.Name.EndsWith(" receive", StringComparison.Ordinal));
        receive.ParentSpanId.ShouldBe(producer.SpanId, "the consumer continues the producer's context from the Kafka headers");
        var process = spans.Single(s => s.Service == "queueworker" && s.Name.EndsWith(" process", StringComparison.Ordinal));
        process.ParentSpanId.ShouldBe(receive.SpanId);

        // The worker's admission batch links back to the joins it admitted, and its Redis call is a client span.
        var batch = await EventuallyAsync(() => store.RecentTraces(200).SelectMany(t => t).Where(s => s.Service == "queueworker" && s.Name == "admit").ToList(),
            b => b.Any(s => s.Links.Any(l => l.SpanId == receive.SpanId)));
        var admit = batch.First(s => s.Links.Any(l => l.SpanId == receive.SpanId));
        await EventuallyAsync(() => store.Trace(admit.TraceId), t => t.Any(s => s.Name == "EVALSHA admit" && s.ParentSpanId == admit.SpanId));

        // A payment's trace reaches Postgres.
        var holdId = await api.HoldOkAsync(user, ticket, concert.ScheduleIds[0], 12);
        var payTrace = ActivityTraceId.CreateRandom();
        var pay = new HttpRequestMessage(HttpMethod.Post, "/api/payments") { Content = System.Net.Http.Json.JsonContent.Create(new { holdId }) };
        pay.Headers.Authorization = new("Bearer", user.AccessToken);
        pay.Headers.Add("X-Queue-Token", ticket.Token);
        pay.Headers.Add("traceparent", $"00-{payTrace}-{ActivitySpanId.CreateRandom()}-01");
        await (await api.Http.SendAsync(pay)).ShouldHaveStatusAsync(HttpStatusCode.Created);
        var paySpans = await EventuallyAsync(() => store.Trace(payTrace.ToString()), s =>
            s.Any(IsPostgres) && s.Any(x => x.Kind == "Server") && s.Any(x => x.Name == "EVALSHA hold-claim"));
        paySpans.ShouldContain(s => s.Kind == "Server" && s.Name.Contains("/api/payments", StringComparison.Ordinal));
        paySpans.ShouldContain(s => s.Name == "EVALSHA hold-claim");
        paySpans.ShouldContain(s => IsPostgres(s) && s.Attributes.GetValueOrDefault("db.query.text", s.Attributes.GetValueOrDefault("db.statement", "")).Contains("INSERT INTO reservations", StringComparison.Ordinal),
            "the payment's one statement (debit, reservation, payment and history row) is a Postgres span");

        // Logs are exported too and carry the trace id of their request.
        await EventuallyAsync(() => store.RecentLogs(500), logs => logs.Any(l => l.Service == "api" && l.TraceId == joinTrace.ToString() && l.Message.StartsWith("Join ", StringComparison.Ordinal)));
        // And the sale's metrics.
        await EventuallyAsync(() => store.Metrics("ticketing."), m => m.Any(x => x.Name == "ticketing.queue.joins" && x.Value >= 1)
            && m.Any(x => x.Name == "ticketing.queue.admissions" && x.Value >= 1) && m.Any(x => x.Name == "ticketing.payments" && x.Attributes.Contains("succeeded")));
        // Health requests are left out of traces.
        store.RecentTraces(1000).SelectMany(t => t).ShouldNotContain(s => s.Name.Contains("/health", StringComparison.Ordinal));

        // The developer view renders the trace as a waterfall labelled by service, and lists it.
        using var http = new HttpClient { BaseAddress = view.Url };
        var waterfall = await http.GetStringAsync($"/traces/{joinTrace}");
        waterfall.ShouldContain("data-service=\"api\"");
        waterfall.ShouldContain("data-service=\"queueworker\"");
        waterfall.ShouldContain("queue.joins process");
        (await http.GetStringAsync("/traces")).ShouldContain($"/traces/{joinTrace}");
        var resources = await http.GetStringAsync("/");
        resources.ShouldContain("data-resource=\"api\"");
        resources.ShouldContain("Healthy");
        (await http.GetStringAsync("/metrics")).ShouldContain("ticketing.queue.joins");
        (await http.GetStringAsync($"/logs?traceId={joinTrace}")).ShouldContain("Join ");
    }

    private static bool IsPostgres(SpanView span) =>
        span.Attributes.GetValueOrDefault("db.system") == "postgresql" || span.Attributes.GetValueOrDefault("db.system.name") == "postgresql";

    private static async Task<T> EventuallyAsync<T>(Func<T> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var value = read();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new ShouldAssertException($"Telemetry did not arrive within 20 s; last seen: {Describe(value)}");
            }

            await Task.Delay(100);
        }
    }

    private static string Describe<T>(T value) => value switch
    {
        IEnumerable<SpanView> spans => string.Join("; ", spans.Select(s => $"{s.Service}:{s.Kind}:{s.Name}")),
        IEnumerable<MetricView> metrics => string.Join("; ", metrics.Select(m => $"{m.Name}={m.Value}")),
        IEnumerable<LogView> logs => string.Join("; ", logs.Take(20).Select(l => $"{l.Service}:{l.Message}")),
        _ => value?.ToString() ?? "null",
    };
}
