using Ticketing.Api.Idempotency;
using Ticketing.Api.Infrastructure;

namespace Ticketing.UnitTests.Api;

public class ApiProblemsTests
{
    [Theory]
    [InlineData(400, "INVALID_REQUEST")]
    [InlineData(401, "UNAUTHORIZED")]
    [InlineData(403, "FORBIDDEN")]
    [InlineData(404, "NOT_FOUND")]
    [InlineData(405, "METHOD_NOT_ALLOWED")]
    [InlineData(413, "PAYLOAD_TOO_LARGE")]
    [InlineData(415, "UNSUPPORTED_MEDIA_TYPE")]
    [InlineData(500, "INTERNAL_ERROR")]
    [InlineData(503, "SERVICE_UNAVAILABLE")]
    public void Every_framework_status_gets_a_stable_code(int status, string code) => ApiProblems.DefaultCode(status).ShouldBe(code);

    [Fact]
    public void A_problem_carries_its_code_and_status()
    {
        var problem = ApiProblems.Conflict(ErrorCodes.SeatUnavailable, "Seat is not available");
        problem.StatusCode.ShouldBe(409);
        problem.ProblemDetails.Extensions[ApiProblems.CodeKey].ShouldBe("SEAT_UNAVAILABLE");
    }

    [Fact]
    public void Idempotency_fingerprints_differ_by_operation_and_body()
    {
        var charge = IdempotencyStore.Fingerprint("POST /api/balance/charges", 100L);
        charge.ShouldBe(IdempotencyStore.Fingerprint("POST /api/balance/charges", 100L));
        charge.ShouldNotBe(IdempotencyStore.Fingerprint("POST /api/balance/charges", 101L));
        charge.ShouldNotBe(IdempotencyStore.Fingerprint("POST /api/payments", 100L));
        charge.Length.ShouldBe(64);
    }
}
