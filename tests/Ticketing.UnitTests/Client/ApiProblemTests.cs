using System.Net;
using System.Text;
using Ticketing.Client;

namespace Ticketing.UnitTests.Client;

/// <summary>
/// What a caller of <see cref="ITicketingApi"/> reads off a failed call (RFC 9457 problem, API.md "Errors"), and what the
/// client puts on the wire, against a stub HTTP handler: no server.
/// </summary>
public class ApiProblemTests
{
    [Fact]
    public async Task A_problem_body_gives_its_status_code_title_and_detail()
    {
        var api = Api(Reply(HttpStatusCode.Conflict, "application/problem+json",
            """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.10","title":"Seat is not available","status":409,"detail":"Pick another.","code":"SEAT_UNAVAILABLE","traceId":"00-ab"}"""));

        var response = await api.HoldSeatAsync(new HoldRequest(Guid.NewGuid(), 7), Cancel);

        response.Problem().ShouldBe(new ApiProblem(409, ApiContract.ErrorCodes.SeatUnavailable, "Seat is not available", "Pick another."));
    }

    [Theory]
    [InlineData(HttpStatusCode.BadGateway, "text/html", "<html>proxy error</html>", "INTERNAL_ERROR")]
    [InlineData(HttpStatusCode.BadRequest, "application/problem+json", """{"title":"Bad","status":400}""", "INVALID_REQUEST")]
    [InlineData(HttpStatusCode.NotFound, "text/plain", "", "INVALID_REQUEST")]
    public async Task A_failure_without_a_code_gets_the_generic_code_of_its_status_class(HttpStatusCode status, string mediaType, string body, string code)
    {
        var response = await Api(Reply(status, mediaType, body)).GetBalanceAsync(Cancel);

        var problem = response.Problem().ShouldNotBeNull();
        problem.Status.ShouldBe((int)status);
        problem.Code.ShouldBe(code);
    }

    [Fact]
    public async Task An_unreachable_api_is_service_unavailable_and_does_not_throw()
    {
        var response = await Api(_ => throw new HttpRequestException("Connection refused (api:80)")).GetConcertsAsync(Cancel);

        response.IsReceived.ShouldBeFalse();
        var problem = response.Problem().ShouldNotBeNull();
        problem.Status.ShouldBe(503);
        problem.Code.ShouldBe(ApiContract.ErrorCodes.ServiceUnavailable);
        problem.Detail.ShouldBe("Connection refused (api:80)");
    }

    [Fact]
    public async Task A_success_whose_body_cannot_be_read_is_service_unavailable()
    {
        var response = await Api(Reply(HttpStatusCode.OK, "application/json", "{not json")).GetBalanceAsync(Cancel);

        response.Problem().ShouldNotBeNull().Code.ShouldBe(ApiContract.ErrorCodes.ServiceUnavailable);
    }

    [Fact]
    public async Task Successes_have_no_problem_including_204_without_a_body()
    {
        var balance = await Api(Reply(HttpStatusCode.OK, "application/json", """{"balance":12}""")).GetBalanceAsync(Cancel);
        balance.Problem().ShouldBeNull();
        balance.Content.ShouldBe(new BalanceView(12));

        var left = await Api(_ => new HttpResponseMessage(HttpStatusCode.NoContent)).LeaveQueueAsync(Guid.NewGuid(), Cancel);
        left.Problem().ShouldBeNull();
    }

    [Fact]
    public async Task Bodies_are_camel_case_json_and_the_idempotency_key_is_a_header_only_when_given()
    {
        var sent = new List<(string Path, string? Key, string Body)>();
        var api = Api(request =>
        {
            var key = request.Headers.TryGetValues(ApiContract.Headers.IdempotencyKey, out var values) ? values.Single() : null;
            sent.Add((request.RequestUri!.PathAndQuery, key, request.Content!.ReadAsStringAsync().GetAwaiter().GetResult()));
            return Reply(HttpStatusCode.OK, "application/json", "{}")(request);
        });
        var holdId = Guid.NewGuid();

        await api.ChargeAsync(new ChargeRequest(1_500), cancellationToken: Cancel);
        await api.ChargeAsync(new ChargeRequest(1_500), "top-up-1", Cancel);
        await api.PayAsync(new PaymentRequest(holdId), "pay-1", Cancel);

        sent[0].ShouldBe(("/api/balance/charges", null, """{"amount":1500}"""));
        sent[1].ShouldBe(("/api/balance/charges", "top-up-1", """{"amount":1500}"""));
        sent[2].ShouldBe(("/api/payments", "pay-1", $$"""{"holdId":"{{holdId}}"}"""));
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static ITicketingApi Api(Func<HttpRequestMessage, HttpResponseMessage> reply) =>
        TicketingApiClient.Create(new HttpClient(new StubHandler(reply)) { BaseAddress = new Uri("http://api.test") });

    private static Func<HttpRequestMessage, HttpResponseMessage> Reply(HttpStatusCode status, string mediaType, string body) =>
        _ => new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, mediaType) };
}
