using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Telemetry;

/// <summary>
/// Every hop in one trace, read back from the Aspire dashboard's own telemetry API (<c>/api/telemetry/…</c>, OTLP JSON, key in
/// <c>x-api-key</c>): a system started with the dashboard, whose Api and QueueWorker export OTLP to it as in <c>./run.sh</c>. The
/// test's HttpClient is the first hop and sends a W3C traceparent.
/// </summary>
public class TraceTests(DefaultSystem fixture)
{
    [Fact]
    public async Task A_join_is_one_trace_from_the_client_through_Api_Redis_and_Kafka_to_the_workers_admission_and_a_payment_reaches_Postgres()
    {
        await using var system = await fixture.StartSystemAsync("traced", new Dictionary<string, string>
        {
            // Joins are logged per request at Debug (Information is for what an operator needs per sale); an engineer following
            // one request turns its category up, as here.
            ["Logging__LogLevel__QueueEndpoints"] = "Debug",
        }, withDashboard: true);
        using var telemetry = new DashboardTelemetry(system.DashboardUrl!, system.DashboardApiKey!);
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
        var ticket = new QueueTicket(concert.ConcertId, (await joined.ReadJsonAsync<JsonObject>())["queueToken"]!.GetValue<string>(), "", 0);
        await api.WaitUntilActiveAsync(user, ticket);

        // Spans arrive in export batches, in any order: wait for every one the assertions need.
        var spans = await EventuallyAsync(() => telemetry.SpansAsync($"/api/telemetry/traces/{joinTrace}"), s =>
            s.Any(x => x.Service == "api" && x.Kind == SpanKind.Server) && s.Any(x => x.Kind == SpanKind.Producer) && s.Any(x => x.Name == "EVALSHA join")
            && s.Any(x => x.Service == "queueworker" && x.Name.EndsWith(" receive", StringComparison.Ordinal))
            && s.Any(x => x.Service == "queueworker" && x.Name.EndsWith(" process", StringComparison.Ordinal)));
        var server = spans.Single(s => s.Service == "api" && s.Kind == SpanKind.Server);
        server.ParentSpanId.ShouldBe(clientSpan.ToString(), "the Api continues the caller's trace (W3C traceparent)");
        server.Attributes["http.request.method"].ShouldBe("POST");
        spans.ShouldContain(s => s.Service == "api" && s.Kind == SpanKind.Client && s.Attributes.GetValueOrDefault("db.system") == "redis" && s.Name == "EVALSHA join");
        // The concert lookup is the in-memory catalog's (CatalogCache): a join reaches Postgres only for a concert the copy does not know yet.
        var producer = spans.Single(s => s.Service == "api" && s.Kind == SpanKind.Producer);
        producer.Attributes["messaging.system"].ShouldBe("kafka");
        var receive = spans.Single(s => s.Service == "queueworker" && s.Kind == SpanKind.Consumer && s.Name.EndsWith(" receive", StringComparison.Ordinal));
        receive.ParentSpanId.ShouldBe(producer.SpanId, "the consumer continues the producer's context from the Kafka headers");
        var process = spans.Single(s => s.Service == "queueworker" && s.Name.EndsWith(" process", StringComparison.Ordinal));
        process.ParentSpanId.ShouldBe(receive.SpanId);

        // The worker's admission batch (a trace of its own) links back to the joins it admitted, and its Redis call is a child span.
        var batches = await EventuallyAsync(() => telemetry.SpansAsync("/api/telemetry/spans?resource=queueworker&search=admit&limit=500"),
            b => b.Any(s => s.Name == "admit" && s.Links.Contains(receive.SpanId)));
        var admit = batches.First(s => s.Name == "admit" && s.Links.Contains(receive.SpanId));
        await EventuallyAsync(() => telemetry.SpansAsync($"/api/telemetry/traces/{admit.TraceId}"),
            t => t.Any(s => s.Name == "EVALSHA admit" && s.ParentSpanId == admit.SpanId));

        // A payment's trace reaches Postgres.
        var holdId = await api.HoldOkAsync(user, ticket, concert.ScheduleIds[0], 12);
        var payTrace = ActivityTraceId.CreateRandom();
        var pay = new HttpRequestMessage(HttpMethod.Post, "/api/payments") { Content = System.Net.Http.Json.JsonContent.Create(new { holdId }) };
        pay.Headers.Authorization = new("Bearer", user.AccessToken);
        pay.Headers.Add("X-Queue-Token", ticket.Token);
        pay.Headers.Add("traceparent", $"00-{payTrace}-{ActivitySpanId.CreateRandom()}-01");
        await (await api.Http.SendAsync(pay)).ShouldHaveStatusAsync(HttpStatusCode.Created);
        var paySpans = await EventuallyAsync(() => telemetry.SpansAsync($"/api/telemetry/traces/{payTrace}"), s =>
            s.Any(IsPostgres) && s.Any(x => x.Kind == SpanKind.Server) && s.Any(x => x.Name == "EVALSHA hold-claim"));
        paySpans.ShouldContain(s => s.Kind == SpanKind.Server && s.Name.Contains("/api/payments", StringComparison.Ordinal));
        paySpans.ShouldContain(s => IsPostgres(s) && s.Attributes.GetValueOrDefault("db.query.text", s.Attributes.GetValueOrDefault("db.statement", "")).Contains("INSERT INTO reservations", StringComparison.Ordinal),
            "the payment's one statement (debit, reservation, payment and history row) is a Postgres span");

        // Logs are exported too and carry the trace id of their request.
        await EventuallyAsync(() => telemetry.LogMessagesAsync($"/api/telemetry/logs?traceId={joinTrace}&resource=api"),
            logs => logs.Any(m => m.StartsWith("Join ", StringComparison.Ordinal)));

        // Health requests are left out of traces.
        (await telemetry.SpansAsync("/api/telemetry/spans?resource=api&limit=1000")).ShouldNotContain(s => s.Name.Contains("/health", StringComparison.Ordinal));
        // And the dashboard knows every service as a resource with traces.
        (await telemetry.ResourcesWithTracesAsync()).ShouldBe(["api", "queueworker"], ignoreOrder: true);

        // Without its key the telemetry API answers nothing.
        using var stranger = new HttpClient { BaseAddress = system.DashboardUrl };
        (await stranger.GetAsync("/api/telemetry/resources")).StatusCode.ShouldBeOneOf(HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden);
        stranger.DefaultRequestHeaders.Add("x-api-key", "not-the-key");
        (await stranger.GetAsync("/api/telemetry/resources")).StatusCode.ShouldBeOneOf(HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden);
    }

    private static bool IsPostgres(Span span) =>
        span.Attributes.GetValueOrDefault("db.system") == "postgresql" || span.Attributes.GetValueOrDefault("db.system.name") == "postgresql";

    // Spans and logs arrive in export batches: read until what the assertions need has arrived.
    private static Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done) =>
        Polling.EventuallyAsync(read, done, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(250));
}
