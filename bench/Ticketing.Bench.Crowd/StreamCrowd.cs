// ./bench.sh's stream step: holds many live status streams (GET /api/concerts/{id}/queue/events) open on one Api while the bench
// measures the heartbeat path and the Api's memory.
//   dotnet Ticketing.Bench.Crowd.dll streams <redis> <signing key> <api url> <streams> <max hold seconds> <out dir>
// 1. Puts <streams> WAITING tokens straight into Redis, in line for a concert of their own (offsets 0..n-1; no Kafka join, so no
//    worker ever admits them: the line moves only when this program moves it), with queue and access tokens signed by the Api's own
//    TokenSigning and the key the bench gave the system. The stream route needs nothing else: it reads the tokens and Redis.
// 2. Opens one stream per token (64 opening at a time, one connection each) and reads every event; writes <out>/streams-ready.json
//    ({opened, failed, firstEventMs: {p50, p99, max}}) once all are open.
// 3. Holds them until <out>/streams-stop exists (or <max hold seconds> pass). Once <out>/streams-move exists it moves the line once
//    a second the way an admission would: the front token leaves the waiting set and the concert is published on wr:line-moved,
//    so every stream gets a new position (before that the line stands still: the streams only get keep-alives).
// 4. Stops moving, waits up to 10 s for every stream to show its exact position (n-th in line after m moves: n - m; the first m
//    got EXPIRED and ended), closes the streams and writes <out>/streams-result.json, with each move's delivery: from the moment
//    this program sent move m to the moment a stream read the event it caused (n - m for the n-th, EXPIRED for the m-th), p50/p99/max
//    over every stream and move.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Ticketing.Api.Auth;
using Ticketing.Api.Organisers;
using Ticketing.Api.Queue;
using Ticketing.WaitingRoom;

internal static class StreamCrowd
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 6)
        {
            Console.Error.WriteLine("usage: Ticketing.Bench.Crowd streams <redis> <signing key> <api url> <streams> <max hold seconds> <out dir>");
            return 2;
        }

        var (redisConnection, signingKey, apiUrl, count, maxHold, outDir) = (args[0], args[1], new Uri(args[2]), int.Parse(args[3]), TimeSpan.FromSeconds(int.Parse(args[4])), args[5]);
        var concertId = Guid.NewGuid();
        var options = Options.Create(new AuthOptions { SigningKey = signingKey, AccessTokenLifetime = TimeSpan.FromHours(2) });
        var signing = new TokenSigning(options);
        var queueTokens = new QueueTokens(signing);
        var accessTokens = new AccessTokens(signing, options, Options.Create(new OrganiserOptions()), TimeProvider.System);

        // 1. The line, written straight into Redis in the waiting room's key layout (QueueKeys), pipelined.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisConnection);
        var db = redis.GetDatabase();
        var now = DateTimeOffset.UtcNow;
        var members = new List<Member>(count);
        var writes = new List<Task>(count * 5);
        for (var i = 0; i < count; i++)
        {
            var (userId, tokenId) = (Guid.NewGuid(), Guid.NewGuid());
            var member = new Member(i, tokenId, accessTokens.Issue(userId, $"stream-{i}").Token, queueTokens.Issue(tokenId, userId, concertId, now));
            members.Add(member);
            var key = QueueKeys.Token(tokenId);
            writes.Add(db.HashSetAsync(key, [new("user", userId.ToString("N")), new("concert", concertId.ToString("N")), new("status", "WAITING"),
                new("jwt", member.QueueToken), new("joinedAt", now.ToUnixTimeMilliseconds()), new("offset", i)]));
            writes.Add(db.KeyExpireAsync(key, QueueOptions.TokenRetention));
            writes.Add(db.SortedSetAddAsync(QueueKeys.Waiting(concertId), tokenId.ToString("N"), i));
            writes.Add(db.SortedSetAddAsync(QueueKeys.Seen(concertId), tokenId.ToString("N"), now.ToUnixTimeMilliseconds()));
            writes.Add(db.StringSetAsync(QueueKeys.User(concertId, userId), tokenId.ToString("N"), QueueOptions.TokenRetention));
        }

        await Task.WhenAll(writes);

        // 2. The streams, one connection each.
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = apiUrl,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        using var stop = new CancellationTokenSource();
        using var opening = new SemaphoreSlim(64);
        var firstEvents = new ConcurrentBag<double>();
        var failures = new ConcurrentBag<string>();
        var moveSent = new long[count + 1]; // Stopwatch timestamp at which move m (1-based) was sent
        var deliveries = new ConcurrentBag<double>(); // ms from a move to the event it caused, per stream
        var readers = members.Select(member => Task.Run(async () =>
        {
            await opening.WaitAsync();
            var released = false;
            try
            {
                var clock = Stopwatch.StartNew();
                using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/concerts/{concertId}/queue/events");
                request.Headers.Authorization = new("Bearer", member.AccessToken);
                request.Headers.Add("X-Queue-Token", member.QueueToken);
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop.Token);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failures.Add($"{(int)response.StatusCode}");
                    return;
                }

                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop.Token));
                while (await reader.ReadLineAsync(stop.Token) is { } line)
                {
                    if (!line.StartsWith("data: ", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    var state = JsonSerializer.Deserialize<QueueStatusResponse>(line.AsSpan(6), JsonSerializerOptions.Web)!;
                    // The move this event shows: the n-th in line at position p has seen n - p moves; EXPIRED is move n + 1.
                    var move = state.Status == "EXPIRED" ? member.Index + 1 : state.Status == "WAITING" ? (int)(member.Index - state.Position) : 0;
                    if (move >= 1 && move <= count && move > member.LastMove && Volatile.Read(ref moveSent[move]) is var sent and > 0)
                    {
                        deliveries.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                        member.LastMove = move;
                    }

                    member.Seen(state);
                    if (!released)
                    {
                        firstEvents.Add(clock.Elapsed.TotalMilliseconds);
                        opening.Release();
                        released = true;
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException && stop.IsCancellationRequested)
            {
                // Closed by the bench.
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                failures.Add(ex.GetType().Name);
            }
            finally
            {
                if (!released)
                {
                    opening.Release();
                }
            }
        })).ToList();

        var opened = Stopwatch.StartNew();
        while (firstEvents.Count + failures.Count < count && opened.Elapsed < TimeSpan.FromSeconds(120))
        {
            await Task.Delay(100);
        }

        var latencies = firstEvents.Order().ToArray();
        await File.WriteAllTextAsync(Path.Combine(outDir, "streams-ready.json"), JsonSerializer.Serialize(new
        {
            concert = concertId,
            opened = latencies.Length,
            failed = failures.Count,
            failures = failures.GroupBy(f => f).ToDictionary(g => g.Key, g => g.Count()),
            openSeconds = Math.Round(opened.Elapsed.TotalSeconds, 1),
            firstEventMs = new { p50 = Percentile(latencies, 0.50), p99 = Percentile(latencies, 0.99), max = latencies.LastOrDefault() },
        }));
        Console.WriteLine($"{latencies.Length:N0} streams open ({failures.Count} failed) in {opened.Elapsed.TotalSeconds:F1} s; first event p50 {Percentile(latencies, 0.5):F0} ms, p99 {Percentile(latencies, 0.99):F0} ms");

        // 3. Hold, still until the bench says move, then moving the line once a second, until the bench says stop.
        var moves = 0;
        var eventsBefore = members.Sum(m => m.Events);
        var held = Stopwatch.StartNew();
        while (!File.Exists(Path.Combine(outDir, "streams-stop")) && held.Elapsed < maxHold && moves < count - 1)
        {
            await Task.Delay(1000);
            if (!File.Exists(Path.Combine(outDir, "streams-move")))
            {
                continue;
            }

            Volatile.Write(ref moveSent[moves + 1], Stopwatch.GetTimestamp());
            await db.ScriptEvaluateAsync(
                """
                local front = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
                if front then
                  redis.call('HSET', ARGV[1] .. front, 'status', 'EXPIRED')
                  redis.call('ZREM', KEYS[1], front)
                  redis.call('ZREM', KEYS[2], front)
                  redis.call('PUBLISH', ARGV[2], ARGV[3])
                end
                """,
                [QueueKeys.Waiting(concertId), QueueKeys.Seen(concertId)], [QueueKeys.TokenPrefix, QueueKeys.LineMovedChannel, concertId.ToString("N")]);
            moves++;
        }

        var heldSeconds = held.Elapsed.TotalSeconds;
        var eventsWhileHeld = members.Sum(m => m.Events) - eventsBefore;

        // 4. Every stream shows its exact place.
        var settle = Stopwatch.StartNew();
        int exact;
        do
        {
            await Task.Delay(200);
            exact = members.Count(m => m.Index < moves ? m.Last?.Status == "EXPIRED" : m.Last is { Status: "WAITING" } last && last.Position == m.Index - moves);
        }
        while (exact < count && settle.Elapsed < TimeSpan.FromSeconds(10));

        await stop.CancelAsync();
        await Task.WhenAll(readers);
        var delivered = deliveries.Order().ToArray();
        await File.WriteAllTextAsync(Path.Combine(outDir, "streams-result.json"), JsonSerializer.Serialize(new
        {
            moves,
            heldSeconds = Math.Round(heldSeconds, 1),
            eventsWhileHeld,
            eventsPerSecond = Math.Round(eventsWhileHeld / heldSeconds),
            exactPositions = exact,
            moveDeliveryMs = new { events = delivered.Length, p50 = Percentile(delivered, 0.50), p99 = Percentile(delivered, 0.99), max = delivered.LastOrDefault() },
            failedWhileHeld = failures.Count,
        }));
        Console.WriteLine($"held {heldSeconds:F0} s, {moves} moves of the line, {eventsWhileHeld:N0} events delivered; {exact:N0} of {count:N0} streams show their exact place; "
            + $"a move reached its streams in p50 {Percentile(delivered, 0.5):F0} ms, p99 {Percentile(delivered, 0.99):F0} ms, max {delivered.LastOrDefault():F0} ms");
        await db.KeyDeleteAsync([QueueKeys.Waiting(concertId), QueueKeys.Seen(concertId)]);
        return exact == count ? 0 : 1;
    }

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)], 1);

    /// <summary>One streamed token: its place in line (0-based offset) and what its stream said last.</summary>
    private sealed class Member(int index, Guid tokenId, string accessToken, string queueToken)
    {
        private int _events;

        public int Index { get; } = index;

        public Guid TokenId { get; } = tokenId;

        public string AccessToken { get; } = accessToken;

        public string QueueToken { get; } = queueToken;

        public int Events => Volatile.Read(ref _events);

        /// <summary>The last move of the line this stream showed (read by its reader only).</summary>
        public int LastMove { get; set; }

        public QueueStatusResponse? Last { get; private set; }

        public void Seen(QueueStatusResponse state)
        {
            Last = state;
            Interlocked.Increment(ref _events);
        }
    }
}
