using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ticketing.Web.Services;

/// <summary>
/// The Web's only way to the Api: one typed HttpClient (base address from Aspire's service discovery variable
/// <c>services__api__http__0</c>), one method per route of shared/API.md. Every method returns an
/// <see cref="ApiResult{T}"/>; Api problems (4xx/5xx) and an unreachable Api (code <c>SERVICE_UNAVAILABLE</c>)
/// come back as <see cref="ApiProblem"/>, never as exceptions.
/// </summary>
public sealed class TicketingApiClient(HttpClient http, ILogger<TicketingApiClient> logger)
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    /// <summary><c>GET /api/concerts</c> (anonymous).</summary>
    public Task<ApiResult<List<Concert>>> GetConcertsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<List<Concert>>(HttpMethod.Get, "/api/concerts", null, null, null, null, cancellationToken);

    /// <summary><c>POST /api/users</c>: 201 or 400 <c>INVALID_NAME</c>/<c>WEAK_PASSWORD</c>, 409 <c>NAME_TAKEN</c>.</summary>
    public Task<ApiResult<CreatedUser>> SignUpAsync(string name, string password, CancellationToken cancellationToken = default) =>
        SendAsync<CreatedUser>(HttpMethod.Post, "/api/users", null, null, new { name, password }, null, cancellationToken);

    /// <summary><c>POST /api/auth/token</c>: the access token, or 401 <c>BAD_CREDENTIALS</c>.</summary>
    public Task<ApiResult<AccessTokenResponse>> SignInAsync(string name, string password, CancellationToken cancellationToken = default) =>
        SendAsync<AccessTokenResponse>(HttpMethod.Post, "/api/auth/token", null, null, new { name, password }, null, cancellationToken);

    /// <summary><c>POST /api/concerts/{concertId}/queue</c>: joins the waiting room (the same token again while it is live).</summary>
    public Task<ApiResult<QueueJoin>> JoinQueueAsync(string accessToken, Guid concertId, CancellationToken cancellationToken = default) =>
        SendAsync<QueueJoin>(HttpMethod.Post, $"/api/concerts/{concertId}/queue", accessToken, null, null, null, cancellationToken);

    /// <summary><c>GET /api/concerts/{concertId}/queue</c>: status, position and wait; also the heartbeat.</summary>
    public Task<ApiResult<QueueState>> GetQueueStatusAsync(string accessToken, Guid concertId, string queueToken, CancellationToken cancellationToken = default) =>
        SendAsync<QueueState>(HttpMethod.Get, $"/api/concerts/{concertId}/queue", accessToken, queueToken, null, null, cancellationToken);

    /// <summary><c>DELETE /api/concerts/{concertId}/queue</c>: leave the line or give the slot back.</summary>
    public Task<ApiResult<JsonNode>> LeaveQueueAsync(string accessToken, Guid concertId, string queueToken, CancellationToken cancellationToken = default) =>
        SendAsync<JsonNode>(HttpMethod.Delete, $"/api/concerts/{concertId}/queue", accessToken, queueToken, null, null, cancellationToken);

    /// <summary><c>GET /api/concerts/{concertId}/schedules</c> [active].</summary>
    public Task<ApiResult<List<Schedule>>> GetSchedulesAsync(string accessToken, Guid concertId, string? queueToken, CancellationToken cancellationToken = default) =>
        SendAsync<List<Schedule>>(HttpMethod.Get, $"/api/concerts/{concertId}/schedules", accessToken, queueToken, null, null, cancellationToken);

    /// <summary><c>GET /api/schedules/{scheduleId}/seats</c> [active]: seats 1..50.</summary>
    public Task<ApiResult<List<Seat>>> GetSeatsAsync(string accessToken, Guid scheduleId, string? queueToken, CancellationToken cancellationToken = default) =>
        SendAsync<List<Seat>>(HttpMethod.Get, $"/api/schedules/{scheduleId}/seats", accessToken, queueToken, null, null, cancellationToken);

    /// <summary><c>POST /api/holds</c> [active]: holds a seat for the hold duration.</summary>
    public Task<ApiResult<Hold>> HoldSeatAsync(string accessToken, string? queueToken, Guid scheduleId, int seatNumber, CancellationToken cancellationToken = default) =>
        SendAsync<Hold>(HttpMethod.Post, "/api/holds", accessToken, queueToken, new { scheduleId, seatNumber }, null, cancellationToken);

    /// <summary><c>GET /api/holds/{holdId}</c>: the caller's live hold, or 404 <c>HOLD_NOT_FOUND</c>.</summary>
    public Task<ApiResult<Hold>> GetHoldAsync(string accessToken, Guid holdId, CancellationToken cancellationToken = default) =>
        SendAsync<Hold>(HttpMethod.Get, $"/api/holds/{holdId}", accessToken, null, null, null, cancellationToken);

    /// <summary><c>DELETE /api/holds/{holdId}</c>: releases the seat at once.</summary>
    public Task<ApiResult<JsonNode>> ReleaseHoldAsync(string accessToken, Guid holdId, CancellationToken cancellationToken = default) =>
        SendAsync<JsonNode>(HttpMethod.Delete, $"/api/holds/{holdId}", accessToken, null, null, null, cancellationToken);

    /// <summary><c>POST /api/payments</c> [active] with an <c>Idempotency-Key</c>, so a repeated click replays instead of paying twice.</summary>
    public Task<ApiResult<Payment>> PayAsync(string accessToken, string? queueToken, Guid holdId, string idempotencyKey, CancellationToken cancellationToken = default) =>
        SendAsync<Payment>(HttpMethod.Post, "/api/payments", accessToken, queueToken, new { holdId }, idempotencyKey, cancellationToken);

    /// <summary><c>GET /api/balance</c>.</summary>
    public Task<ApiResult<BalanceView>> GetBalanceAsync(string accessToken, CancellationToken cancellationToken = default) =>
        SendAsync<BalanceView>(HttpMethod.Get, "/api/balance", accessToken, null, null, null, cancellationToken);

    /// <summary><c>POST /api/balance/charges</c> with an <c>Idempotency-Key</c>: adds <paramref name="amount"/> points.</summary>
    public Task<ApiResult<BalanceView>> ChargeAsync(string accessToken, long amount, string idempotencyKey, CancellationToken cancellationToken = default) =>
        SendAsync<BalanceView>(HttpMethod.Post, "/api/balance/charges", accessToken, null, new { amount }, idempotencyKey, cancellationToken);

    /// <summary><c>GET /api/balance/history</c>, newest first.</summary>
    public Task<ApiResult<List<HistoryEntry>>> GetHistoryAsync(string accessToken, CancellationToken cancellationToken = default) =>
        SendAsync<List<HistoryEntry>>(HttpMethod.Get, "/api/balance/history?limit=50", accessToken, null, null, null, cancellationToken);

    /// <summary><c>GET /api/reservations</c>.</summary>
    public Task<ApiResult<List<Reservation>>> GetReservationsAsync(string accessToken, CancellationToken cancellationToken = default) =>
        SendAsync<List<Reservation>>(HttpMethod.Get, "/api/reservations", accessToken, null, null, null, cancellationToken);

    private async Task<ApiResult<T>> SendAsync<T>(HttpMethod method, string path, string? accessToken, string? queueToken, object? body,
        string? idempotencyKey, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        if (queueToken is not null)
        {
            request.Headers.Add("X-Queue-Token", queueToken);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }

        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                var value = response.Content.Headers.ContentLength == 0 || status == 204
                    ? default
                    : await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken);
                return new ApiResult<T>(value, null, status);
            }

            return new ApiResult<T>(default, await ReadProblemAsync(response, cancellationToken), status);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Api call {Method} {Path} failed", method, path);
            return new ApiResult<T>(default, new ApiProblem(503, "SERVICE_UNAVAILABLE", "The Api is unavailable", ex.Message), 0);
        }
    }

    private static async Task<ApiProblem> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        try
        {
            var json = await response.Content.ReadFromJsonAsync<JsonObject>(Json, cancellationToken);
            return new ApiProblem(status, json?["code"]?.GetValue<string>() ?? (status >= 500 ? "INTERNAL_ERROR" : "INVALID_REQUEST"),
                json?["title"]?.GetValue<string>(), json?["detail"]?.GetValue<string>());
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException)
        {
            return new ApiProblem(status, status >= 500 ? "INTERNAL_ERROR" : "INVALID_REQUEST", response.ReasonPhrase, null);
        }
    }
}
