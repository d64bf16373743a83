using System.Net;
using System.Text;
using Dapper;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using StackExchange.Redis;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Hostile;

/// <summary>
/// Bad input on every route, table-driven: malformed JSON, wrong types, missing fields, hostile numbers, other users' ids,
/// forged tokens, oversized bodies. Each row must get its 4xx and code (API.md), never a 5xx, and must write nothing:
/// the database's row counts and point total and the contents of every Redis key are the same before and after.
/// Runs on a system of its own so that no other test's writes move those numbers.
/// </summary>
public class HostileInputTests(DefaultSystem fixture)
{
    private static readonly SemaphoreSlim SetupGate = new(1, 1);
    private static World? s_world;

    public static TheoryData<string, string, string, string?, string, string, int, string> Cases => new()
    {
        // name, method, path, body, access token, queue token, status, code
        { "sign-up: malformed JSON", "POST", "/api/users", "{\"name\":", "none", "none", 400, "INVALID_REQUEST" },
        { "sign-up: wrong types", "POST", "/api/users", "{\"name\":5,\"password\":[]}", "none", "none", 400, "INVALID_REQUEST" },
        { "sign-up: missing fields", "POST", "/api/users", "{}", "none", "none", 400, "INVALID_NAME" },
        { "sign-up: not JSON at all", "POST", "/api/users", "name=x&password=y", "none", "none", 415, "UNSUPPORTED_MEDIA_TYPE" },
        { "sign-up: oversized body", "POST", "/api/users", "@oversized", "none", "none", 413, "PAYLOAD_TOO_LARGE" },
        { "sign-in: missing password", "POST", "/api/auth/token", "{\"name\":\"someone\"}", "none", "none", 401, "BAD_CREDENTIALS" },
        { "sign-in: array body", "POST", "/api/auth/token", "[]", "none", "none", 400, "INVALID_REQUEST" },
        { "charge: zero", "POST", "/api/balance/charges", "{\"amount\":0}", "attacker", "none", 400, "INVALID_AMOUNT" },
        { "charge: negative", "POST", "/api/balance/charges", "{\"amount\":-5}", "attacker", "none", 400, "INVALID_AMOUNT" },
        { "charge: long.MaxValue", "POST", "/api/balance/charges", "{\"amount\":9223372036854775807}", "attacker", "none", 400, "INVALID_AMOUNT" },
        { "charge: beyond long", "POST", "/api/balance/charges", "{\"amount\":9223372036854775808}", "attacker", "none", 400, "INVALID_AMOUNT" },
        { "charge: fractional", "POST", "/api/balance/charges", "{\"amount\":1.5}", "attacker", "none", 400, "INVALID_AMOUNT" },
        { "charge: above the maximum", "POST", "/api/balance/charges", "{\"amount\":10000001}", "attacker", "none", 400, "INVALID_AMOUNT" },
        { "charge: missing amount", "POST", "/api/balance/charges", "{}", "attacker", "none", 400, "INVALID_AMOUNT" },
        { "charge: string amount", "POST", "/api/balance/charges", "{\"amount\":\"100\"}", "attacker", "none", 400, "INVALID_REQUEST" },
        { "charge: malformed JSON", "POST", "/api/balance/charges", "{\"amount\":", "attacker", "none", 400, "INVALID_REQUEST" },
        { "charge: idempotency key over 255", "POST", "/api/balance/charges", "{\"amount\":100}", "attacker+longkey", "none", 400, "INVALID_IDEMPOTENCY_KEY" },
        { "charge: no access token", "POST", "/api/balance/charges", "{\"amount\":100}", "none", "none", 401, "UNAUTHORIZED" },
        { "charge: access token signed with another key", "POST", "/api/balance/charges", "{\"amount\":100}", "wrong-key", "none", 401, "UNAUTHORIZED" },
        { "charge: access token with alg none", "POST", "/api/balance/charges", "{\"amount\":100}", "alg-none", "none", 401, "UNAUTHORIZED" },
        { "charge: expired access token", "POST", "/api/balance/charges", "{\"amount\":100}", "expired", "none", 401, "UNAUTHORIZED" },
        { "charge: queue token as access token", "POST", "/api/balance/charges", "{\"amount\":100}", "queue-as-access", "none", 401, "UNAUTHORIZED" },
        { "history: limit 0", "GET", "/api/balance/history?limit=0", null, "attacker", "none", 400, "INVALID_REQUEST" },
        { "history: limit not a number", "GET", "/api/balance/history?limit=abc", null, "attacker", "none", 400, "INVALID_REQUEST" },
        { "history: limit huge", "GET", "/api/balance/history?limit=99999999999", null, "attacker", "none", 400, "INVALID_REQUEST" },
        { "hold: malformed JSON", "POST", "/api/holds", "{\"scheduleId\":", "attacker", "attacker", 400, "INVALID_REQUEST" },
        { "hold: wrong types", "POST", "/api/holds", "{\"scheduleId\":\"not-a-guid\",\"seatNumber\":\"x\"}", "attacker", "attacker", 400, "INVALID_REQUEST" },
        { "hold: missing seat", "POST", "/api/holds", "{\"scheduleId\":\"{schedule}\"}", "attacker", "attacker", 400, "INVALID_REQUEST" },
        { "hold: seat 0", "POST", "/api/holds", "{\"scheduleId\":\"{schedule}\",\"seatNumber\":0}", "attacker", "attacker", 404, "SEAT_NOT_FOUND" },
        { "hold: seat beyond int", "POST", "/api/holds", "{\"scheduleId\":\"{schedule}\",\"seatNumber\":2147483648}", "attacker", "attacker", 400, "INVALID_REQUEST" },
        { "hold: unknown schedule", "POST", "/api/holds", "{\"scheduleId\":\"{random}\",\"seatNumber\":5}", "attacker", "attacker", 404, "SEAT_NOT_FOUND" },
        { "hold: the victim's held seat", "POST", "/api/holds", "{\"scheduleId\":\"{schedule}\",\"seatNumber\":1}", "attacker", "attacker", 409, "SEAT_UNAVAILABLE" },
        { "hold: no queue token", "POST", "/api/holds", "{\"scheduleId\":\"{schedule}\",\"seatNumber\":9}", "attacker", "none", 401, "QUEUE_TOKEN_INVALID" },
        { "hold: queue token signed with another key", "POST", "/api/holds", "{\"scheduleId\":\"{schedule}\",\"seatNumber\":9}", "attacker", "wrong-key", 401, "QUEUE_TOKEN_INVALID" },
        { "hold: queue token with alg none", "POST", "/api/holds", "{\"scheduleId\":\"{schedule}\",\"seatNumber\":9}", "attacker", "alg-none", 401, "QUEUE_TOKEN_INVALID" },
        { "hold: expired queue token", "POST", "/api/holds", "{\"scheduleId\":\"{schedule}\",\"seatNumber\":9}", "attacker", "expired", 401, "QUEUE_TOKEN_EXPIRED" },
        { "hold: another concert's queue token", "POST", "/api/holds", "{\"scheduleId\":\"{schedule}\",\"seatNumber\":9}", "attacker", "other-concert", 403, "QUEUE_TOKEN_WRONG_CONCERT" },
        { "hold: someone else's queue token", "POST", "/api/holds", "{\"scheduleId\":\"{schedule}\",\"seatNumber\":9}", "attacker", "victim", 401, "QUEUE_TOKEN_INVALID" },
        { "hold: access token as queue token", "POST", "/api/holds", "{\"scheduleId\":\"{schedule}\",\"seatNumber\":9}", "attacker", "access-as-queue", 401, "QUEUE_TOKEN_INVALID" },
        { "read someone else's hold", "GET", "/api/holds/{victimHold}", null, "attacker", "none", 404, "HOLD_NOT_FOUND" },
        { "release someone else's hold", "DELETE", "/api/holds/{victimHold}", null, "attacker", "none", 404, "HOLD_NOT_FOUND" },
        { "hold id that is not a GUID", "GET", "/api/holds/not-a-guid", null, "attacker", "none", 404, "NOT_FOUND" },
        { "pay someone else's hold", "POST", "/api/payments", "{\"holdId\":\"{victimHold}\"}", "attacker", "attacker", 404, "HOLD_NOT_FOUND" },
        { "pay an unknown hold", "POST", "/api/payments", "{\"holdId\":\"{random}\"}", "attacker", "attacker", 404, "HOLD_NOT_FOUND" },
        { "pay: wrong type", "POST", "/api/payments", "{\"holdId\":123}", "attacker", "attacker", 400, "INVALID_REQUEST" },
        { "pay: missing hold id", "POST", "/api/payments", "{}", "attacker", "attacker", 400, "INVALID_REQUEST" },
        { "pay: oversized body", "POST", "/api/payments", "@oversized", "attacker", "attacker", 413, "PAYLOAD_TOO_LARGE" },
        { "pay the victim's hold with the victim's queue token", "POST", "/api/payments", "{\"holdId\":\"{victimHold}\"}", "attacker", "victim", 404, "HOLD_NOT_FOUND" },
        { "join an unknown concert", "POST", "/api/concerts/{random}/queue", null, "attacker", "none", 404, "CONCERT_NOT_FOUND" },
        { "queue status with a forged token", "GET", "/api/concerts/{concert}/queue", null, "attacker", "wrong-key", 401, "QUEUE_TOKEN_INVALID" },
        { "queue status with someone else's token", "GET", "/api/concerts/{concert}/queue", null, "attacker", "victim", 401, "QUEUE_TOKEN_INVALID" },
        { "leave with someone else's token", "DELETE", "/api/concerts/{concert}/queue", null, "attacker", "victim", 401, "QUEUE_TOKEN_INVALID" },
        { "leave with another concert's token", "DELETE", "/api/concerts/{concert}/queue", null, "attacker", "other-concert", 403, "QUEUE_TOKEN_WRONG_CONCERT" },
        { "schedules of a concert id that is not a GUID", "GET", "/api/concerts/xyz/schedules", null, "attacker", "attacker", 404, "NOT_FOUND" },
        { "seats of an unknown schedule", "GET", "/api/schedules/{random}/seats", null, "attacker", "attacker", 404, "SCHEDULE_NOT_FOUND" },
        { "reservations with alg none", "GET", "/api/reservations", null, "alg-none", "none", 401, "UNAUTHORIZED" },
        { "unknown route", "GET", "/api/nothing-here", null, "attacker", "none", 404, "NOT_FOUND" },
        { "wrong method", "PUT", "/api/balance", "{}", "attacker", "none", 405, "METHOD_NOT_ALLOWED" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_gets_its_4xx_and_code_and_writes_nothing(string name, string method, string path, string? body, string access, string queue,
        int status, string code)
    {
        var world = await WorldAsync();
        var before = await world.SnapshotAsync();

        var request = new HttpRequestMessage(new HttpMethod(method), world.Fill(path));
        if (world.AccessToken(access) is { } bearer)
        {
            request.Headers.Authorization = new("Bearer", bearer);
        }

        if (access.EndsWith("+longkey", StringComparison.Ordinal))
        {
            request.Headers.Add("Idempotency-Key", new string('k', 256));
        }

        if (world.QueueToken(queue) is { } queueToken)
        {
            request.Headers.Add("X-Queue-Token", queueToken);
        }

        if (body is not null)
        {
            var content = body == "@oversized" ? "{\"name\":\"" + new string('x', 200_000) + "\"}" : world.Fill(body);
            request.Content = new StringContent(content, Encoding.UTF8, body.StartsWith("name=", StringComparison.Ordinal) ? "application/x-www-form-urlencoded" : "application/json");
        }

        var response = await world.System.Driver.Http.SendAsync(request);
        ((int)response.StatusCode).ShouldBeLessThan(500, name);
        await response.ShouldBeProblemAsync(status, code);
        (await world.SnapshotAsync()).ShouldBe(before, $"'{name}' changed stored state");
    }

    private async Task<World> WorldAsync()
    {
        await SetupGate.WaitAsync();
        try
        {
            // A system of its own (the "writes nothing" snapshot counts every table, so no other test may write there meanwhile), with
            // rate limits off: one attacker sends dozens of bad bodies to the same routes at once, and a 429 would hide the answer
            // under test (LimitsTests is where the limits are tested).
            return s_world ??= await World.CreateAsync(await fixture.CustomAsync("hostile", DefaultSystem.RateLimitsOff));
        }
        finally
        {
            SetupGate.Release();
        }
    }

    /// <summary>A victim with points, an ACTIVE pass and a held seat; an attacker with an ACTIVE pass for the same concert and for another.</summary>
    [Theory]
    [InlineData("GET", "/api/no-such-route", null, 404, "NOT_FOUND")]
    [InlineData("GET", "/api/concerts/not-a-guid/queue", null, 404, "NOT_FOUND")]
    [InlineData("POST", "/api/users", "{not json", 400, "INVALID_REQUEST")]
    [InlineData("GET", "/api/balance", null, 401, "UNAUTHORIZED")]
    public async Task A_client_that_does_not_ask_for_JSON_still_gets_problem_json_with_a_code(string method, string path, string? body, int status, string code)
    {
        // A browser sends Accept: text/html; the Api speaks JSON only, and API.md promises problem+json on every 4xx.
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Accept.ParseAdd("text/html");
        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        await (await fixture.Driver.Http.SendAsync(request)).ShouldBeProblemAsync(status, code);
    }

    private sealed class World
    {
        private readonly Dictionary<string, string> _access = [];
        private readonly Dictionary<string, string> _queue = [];
        private readonly Dictionary<string, string> _placeholders = [];
        private ConnectionMultiplexer _redis = null!;

        public TestSystem System { get; private set; } = null!;

        public static async Task<World> CreateAsync(TestSystem system)
        {
            var api = system.Driver;
            var world = new World { System = system, _redis = await ConnectionMultiplexer.ConnectAsync(system.Redis + ",allowAdmin=true") };
            var concert = await TestCatalog.CreateConcertAsync(system.Postgres);
            var other = await TestCatalog.CreateConcertAsync(system.Postgres);
            var victim = await api.CreateUserAsync(initialBalance: 500_000);
            var attacker = await api.CreateUserAsync(initialBalance: 500_000);
            var victimTicket = await api.AdmitAsync(victim, concert.ConcertId);
            var attackerTicket = await api.AdmitAsync(attacker, concert.ConcertId);
            var attackerOther = await api.AdmitAsync(attacker, other.ConcertId);
            var victimHold = await api.HoldOkAsync(victim, victimTicket, concert.ScheduleIds[0], 1);

            var key = new SymmetricSecurityKey(Convert.FromBase64String(system.SigningKey));
            var wrongKey = new SymmetricSecurityKey(global::System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            var now = DateTime.UtcNow;
            var accessClaims = new Dictionary<string, object> { ["sub"] = attacker.UserId.ToString(), ["name"] = attacker.Name };
            var queueClaims = new Dictionary<string, object> { ["sub"] = attacker.UserId.ToString(), ["concert"] = concert.ConcertId.ToString(), ["jti"] = Guid.NewGuid().ToString() };

            world._access["attacker"] = attacker.AccessToken;
            world._access["attacker+longkey"] = attacker.AccessToken;
            world._access["wrong-key"] = Sign("ticketing-access", accessClaims, wrongKey, now, now.AddHours(1));
            world._access["alg-none"] = Unsigned("ticketing-access", accessClaims, now.AddHours(1));
            world._access["expired"] = Sign("ticketing-access", accessClaims, key, now.AddHours(-2), now.AddMinutes(-5));
            world._access["queue-as-access"] = attackerTicket.Token;
            world._queue["attacker"] = attackerTicket.Token;
            world._queue["victim"] = victimTicket.Token;
            world._queue["other-concert"] = attackerOther.Token;
            world._queue["wrong-key"] = Sign("ticketing-queue", queueClaims, wrongKey, now, now.AddHours(1));
            world._queue["alg-none"] = Unsigned("ticketing-queue", queueClaims, now.AddHours(1));
            world._queue["expired"] = Sign("ticketing-queue", queueClaims, key, now.AddHours(-2), now.AddMinutes(-5));
            world._queue["access-as-queue"] = attacker.AccessToken;
            world._placeholders["{concert}"] = concert.ConcertId.ToString();
            world._placeholders["{schedule}"] = concert.ScheduleIds[0].ToString();
            world._placeholders["{victimHold}"] = victimHold.ToString();
            world._placeholders["{random}"] = Guid.NewGuid().ToString();
            return world;
        }

        public string? AccessToken(string kind) => _access.GetValueOrDefault(kind);

        public string? QueueToken(string kind) => _queue.GetValueOrDefault(kind);

        public string Fill(string text) => _placeholders.Aggregate(text, (t, p) => t.Replace(p.Key, p.Value));

        /// <summary>
        /// Row counts of every table a request could write and the point total; and every Redis key with its contents (strings,
        /// hashes, sets, lists in full; sorted sets by member, see <see cref="RedisContentsAsync"/>), so that a changed value shows
        /// as well as a new or missing key.
        /// </summary>
        public async Task<string> SnapshotAsync()
        {
            await using var db = new NpgsqlConnection(System.Postgres);
            var rows = await db.QuerySingleAsync<string>("""
                SELECT concat_ws(' ', (SELECT count(*) FROM users), (SELECT sum(balance) FROM users), (SELECT count(*) FROM payments),
                    (SELECT count(*) FROM reservations), (SELECT count(*) FROM balance_history), (SELECT count(*) FROM idempotency_keys))
                """);
            return $"{rows}\n{await RedisContentsAsync()}";
        }

        /// <summary>
        /// One line per key, sorted: <c>key type contents</c>. Sorted sets list their members without scores: the scores of the
        /// waiting room's sets are times (a pass's "live until", a hold's expiry) that a valid pass's own requests move forward
        /// — a heartbeat, not a write of the hostile request — while a member added or removed is what must not happen.
        /// </summary>
        private async Task<string> RedisContentsAsync()
        {
            var server = _redis.GetServer(_redis.GetEndPoints()[0]);
            var redis = _redis.GetDatabase();
            var lines = new List<string>();
            await foreach (var key in server.KeysAsync(redis.Database, pageSize: 1000))
            {
                var type = await redis.KeyTypeAsync(key);
                IEnumerable<string> contents = type switch
                {
                    RedisType.String => [(string?)await redis.StringGetAsync(key) ?? ""],
                    RedisType.Hash => (await redis.HashGetAllAsync(key)).Select(e => $"{e.Name}={e.Value}").Order(StringComparer.Ordinal),
                    RedisType.Set => (await redis.SetMembersAsync(key)).Select(m => (string)m!).Order(StringComparer.Ordinal),
                    RedisType.SortedSet => (await redis.SortedSetRangeByRankAsync(key)).Select(m => (string)m!).Order(StringComparer.Ordinal),
                    RedisType.List => (await redis.ListRangeAsync(key)).Select(m => (string)m!),
                    _ => [type.ToString()],
                };
                lines.Add($"{key} {type} {string.Join(',', contents)}");
            }

            lines.Sort(StringComparer.Ordinal);
            return string.Join('\n', lines);
        }

        private static string Sign(string audience, Dictionary<string, object> claims, SecurityKey key, DateTime issuedAt, DateTime expires) =>
            TestTokens.Sign(audience, claims, key, issuedAt, expires);

        private static string Unsigned(string audience, Dictionary<string, object> claims, DateTime expires)
        {
            static string Encode(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));
            var payload = new Dictionary<string, object>(claims)
            {
                ["iss"] = "ticketing-api",
                ["aud"] = audience,
                ["exp"] = new DateTimeOffset(expires).ToUnixTimeSeconds(),
            };
            return $"{Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}")}.{Encode(global::System.Text.Json.JsonSerializer.Serialize(payload))}.";
        }
    }
}
