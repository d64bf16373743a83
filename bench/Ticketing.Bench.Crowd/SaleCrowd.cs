// ./bench.sh's sale-opening scenario (BENCH_ONLY=sale): a crowd made by this program's bulk mode arrives at once at one concert
// whose house it then buys out, through the real Api, as people would.
//   dotnet Ticketing.Bench.Crowd.dll sale <redis> <api url> <out dir> <poll seconds> <max seconds>
// Reads <out>/crowd-users.txt ("userId accessToken" per line), <out>/pay-concert.txt and <out>/pay-schedules.txt (its 50-seat
// schedules: the house). Then:
// 1. The burst: every person joins the concert's line (POST …/queue), 384 requests in flight.
// 2. The wait: every WAITING person polls GET …/queue every <poll seconds> (±20%), the heartbeat that keeps a place. Nobody holds
//    a stream open in this version (one process cannot hold 50,000 sockets here: the open-files hard limit is 20,000).
// 3. The purchase: an ACTIVE person takes the next seat from a shared shuffled list of the house's seats (people choosing free
//    seats, without each reading the seat map), holds it and pays; a seat whose hold or payment failed goes back on the list.
//    Paying ends the person's pass, which frees the slot for the next in line.
// 4. Sold out: once every seat is paid, each person still waiting leaves the line (DELETE …/queue) at their next poll.
// Stops when everyone is done or after <max seconds>; writes <out>/sale.json: the join burst (rate, latencies, statuses), the
// heartbeat, hold and payment latencies during the sale, the time from the first join to sold out, what became of everyone, and
// the admission order against the join order, read back from Redis: each token keeps its Kafka offset (join order; one concert's
// joins share a partition) and its admittedSeq (admission order); an inversion is a token admitted before one that joined earlier.
// Latencies are measured from sending to the answer; the wait for one of the client's connections is not counted. The client
// runs on the same cores as the system (one machine): its CPU is reported beside the system's.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

internal static class SaleCrowd
{
    // Requests in flight: 384 for joins, heartbeats and leaving, and 128 more for holds and payments, so that a person who is
    // ACTIVE does not queue in this one client behind tens of thousands of other people's heartbeats (in a real sale they are
    // on other machines).
    private const int WaitingInFlight = 384, BuyingInFlight = 128;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 5)
        {
            Console.Error.WriteLine("usage: Ticketing.Bench.Crowd sale <redis> <api url> <out dir> <poll seconds> <max seconds>");
            return 2;
        }

        var (redisConnection, apiUrl, outDir, poll, maxRun) =
            (args[0], new Uri(args[1]), args[2], TimeSpan.FromSeconds(double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture)), TimeSpan.FromSeconds(int.Parse(args[4])));
        var people = (await File.ReadAllLinesAsync(Path.Combine(outDir, "crowd-users.txt")))
            .Select(l => l.Split(' ')).Select(p => new Person(p[1])).ToArray();
        var concert = Guid.Parse((await File.ReadAllTextAsync(Path.Combine(outDir, "pay-concert.txt"))).Trim());
        var schedules = (await File.ReadAllLinesAsync(Path.Combine(outDir, "pay-schedules.txt"))).Select(Guid.Parse).ToArray();
        var house = schedules.SelectMany(s => Enumerable.Range(1, 50).Select(n => (Schedule: s, Seat: n))).ToArray();
        Random.Shared.Shuffle(house);
        var freeSeats = new ConcurrentQueue<(Guid Schedule, int Seat)>(house);

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = WaitingInFlight + BuyingInFlight, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = apiUrl,
            Timeout = TimeSpan.FromSeconds(60),
        };
        var (waitingGate, buyingGate) = (new SemaphoreSlim(WaitingInFlight), new SemaphoreSlim(BuyingInFlight));
        var stats = new Stats();
        var clock = Stopwatch.StartNew();
        using var deadline = new CancellationTokenSource(maxRun);
        var paid = 0;
        var soldOutAt = -1.0;

        async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(string kind, HttpMethod method, string path, Person person, object? body = null)
        {
            var gate = kind is "hold" or "payment" ? buyingGate : waitingGate;
            await gate.WaitAsync(deadline.Token);
            try
            {
                using var request = new HttpRequestMessage(method, path);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", person.AccessToken);
                if (person.QueueToken is { } queueToken)
                {
                    request.Headers.Add("X-Queue-Token", queueToken);
                }

                if (body is not null)
                {
                    request.Content = JsonContent.Create(body);
                }

                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.SendAsync(request, deadline.Token);
                    var text = await response.Content.ReadAsStringAsync(deadline.Token);
                    stats.Record(kind, (int)response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    return (response.StatusCode, text.Length > 0 && text[0] == '{' ? JsonNode.Parse(text) : null);
                }
                catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !deadline.IsCancellationRequested))
                {
                    stats.Record(kind, 0, Stopwatch.GetElapsedTime(started).TotalMilliseconds); // no answer (or none within 60 s)
                    return (0, null);
                }
            }
            finally
            {
                gate.Release();
            }
        }

        async Task<bool> BuyAsync(Person person)
        {
            while (freeSeats.TryDequeue(out var seat))
            {
                var hold = await SendAsync("hold", HttpMethod.Post, "/api/holds", person, new { scheduleId = seat.Schedule, seatNumber = seat.Seat });
                if (hold.Status != HttpStatusCode.Created)
                {
                    freeSeats.Enqueue(seat);
                    return false; // not ACTIVE any more, or the Api refused: back to polling, which says which
                }

                var holdId = hold.Body!["holdId"]!.GetValue<Guid>();
                while (true)
                {
                    var payment = await SendAsync("payment", HttpMethod.Post, "/api/payments", person, new { holdId });
                    if (payment.Status == HttpStatusCode.Created)
                    {
                        if (Interlocked.Increment(ref paid) == house.Length)
                        {
                            soldOutAt = clock.Elapsed.TotalSeconds;
                        }

                        return true;
                    }

                    if (payment.Status is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests or 0))
                    {
                        freeSeats.Enqueue(seat);
                        return false;
                    }

                    await Task.Delay(250, deadline.Token); // "retry shortly", with the same hold
                }
            }

            return false;
        }

        async Task RunPersonAsync(Person person)
        {
            // 1. The burst.
            var join = await SendAsync("join", HttpMethod.Post, $"/api/concerts/{concert}/queue", person);
            if (join.Status != HttpStatusCode.Created)
            {
                person.Outcome = $"join {(int)join.Status}";
                return;
            }

            person.QueueToken = join.Body!["queueToken"]!.GetValue<string>();
            var status = join.Body["status"]!.GetValue<string>();
            while (true)
            {
                if (status == "ACTIVE")
                {
                    if (await BuyAsync(person))
                    {
                        person.Outcome = "bought";
                        return;
                    }

                    await Task.Delay(200, deadline.Token); // every seat is held by someone paying: look again shortly
                }
                else if (status is "EXPIRED")
                {
                    person.Outcome = "expired";
                    return;
                }

                if (Volatile.Read(ref paid) >= house.Length)
                {
                    var left = await SendAsync("leave", HttpMethod.Delete, $"/api/concerts/{concert}/queue", person);
                    person.Outcome = left.Status == HttpStatusCode.NoContent ? "left (sold out)" : $"leave {(int)left.Status}";
                    return;
                }

                if (status != "ACTIVE")
                {
                    await Task.Delay(poll * (0.8 + 0.4 * Random.Shared.NextDouble()), deadline.Token);
                }

                var state = await SendAsync("heartbeat", HttpMethod.Get, $"/api/concerts/{concert}/queue", person);
                status = state.Status == HttpStatusCode.OK ? state.Body!["status"]!.GetValue<string>() : status;
            }
        }

        var progress = Task.Run(async () =>
        {
            while (!deadline.IsCancellationRequested)
            {
                await Task.Delay(5000, deadline.Token).ContinueWith(_ => { });
                var done = people.Count(p => p.Outcome is not null);
                Console.WriteLine($"  {clock.Elapsed.TotalSeconds,5:F0} s: {stats.Count("join"):N0} joined, {done:N0} done, {Volatile.Read(ref paid):N0} of {house.Length:N0} seats paid, "
                    + $"{stats.Count("heartbeat"):N0} heartbeats (p99 {stats.Percentile("heartbeat", 0.99):F0} ms)");
                if (done == people.Length)
                {
                    return;
                }
            }
        });

        try
        {
            await Task.WhenAll(people.Select(p => Task.Run(() => RunPersonAsync(p))));
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            Console.WriteLine($"  stopped after {maxRun.TotalSeconds:F0} s with {people.Count(p => p.Outcome is null):N0} people not done");
        }

        await deadline.CancelAsync();
        await progress;
        var result = new JsonObject
        {
            ["people"] = people.Length,
            ["seats"] = house.Length,
            ["pollSeconds"] = poll.TotalSeconds,
            ["streamShare"] = 0,
            ["joinBurst"] = new JsonObject
            {
                ["seconds"] = Math.Round(stats.Span("join"), 2),
                ["perSecond"] = Math.Round(people.Length / Math.Max(stats.Span("join"), 0.001)),
                ["p50_ms"] = stats.Percentile("join", 0.5), ["p99_ms"] = stats.Percentile("join", 0.99), ["statuses"] = stats.Statuses("join"),
            },
            ["heartbeat"] = stats.Summary("heartbeat"),
            ["hold"] = stats.Summary("hold"),
            ["payment"] = stats.Summary("payment"),
            ["leave"] = stats.Summary("leave"),
            ["paid"] = paid,
            ["soldOutSeconds"] = soldOutAt < 0 ? null : JsonValue.Create(Math.Round(soldOutAt, 2)),
            ["admissionOrder"] = await AdmissionOrderAsync(redisConnection, people),
            ["outcomes"] = new JsonObject(people.GroupBy(p => p.Outcome ?? "not done")
                .Select(g => KeyValuePair.Create(g.Key, (JsonNode?)g.Count()))),
        };
        await File.WriteAllTextAsync(Path.Combine(outDir, "sale.json"), result.ToJsonString());
        Console.WriteLine($"  {paid:N0} of {house.Length:N0} seats paid; sold out {(soldOutAt < 0 ? "never" : $"{soldOutAt:F1} s after the first join")}");
        return soldOutAt < 0 ? 1 : 0;
    }

    // Join order (the token's Kafka offset) against admission order (its admittedSeq) of every admitted token.
    private static async Task<JsonObject> AdmissionOrderAsync(string redisConnection, Person[] people)
    {
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redisConnection);
        var db = redis.GetDatabase();
        var reads = people.Where(p => p.QueueToken is not null)
            .Select(p => db.HashGetAsync($"wr:tok:{TokenId(p.QueueToken!):N}", ["offset", "admittedSeq"])).ToArray();
        await Task.WhenAll(reads);
        var admitted = reads.Select(r => r.Result).Where(v => v[0].HasValue && v[1].HasValue)
            .Select(v => (Offset: (long)v[0], Seq: (long)v[1])).OrderBy(t => t.Offset).ToArray();
        var inversions = admitted.Zip(admitted.Skip(1)).Count(pair => pair.Second.Seq < pair.First.Seq);
        return new JsonObject { ["admitted"] = admitted.Length, ["inversions"] = inversions };
    }

    // The queue token's id: its jti claim.
    private static Guid TokenId(string token) => Guid.Parse(new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).Id);

    private sealed class Person(string accessToken)
    {
        public string AccessToken { get; } = accessToken;

        public string? QueueToken { get; set; }

        public string? Outcome { get; set; }
    }

    // Latencies (ms) and statuses per kind of request, and when the first and last of each kind was sent.
    private sealed class Stats
    {
        private readonly ConcurrentDictionary<string, ConcurrentBag<double>> _latencies = new();
        private readonly ConcurrentDictionary<(string, int), int> _statuses = new();
        private readonly ConcurrentDictionary<string, (long First, long Last)> _span = new();

        public void Record(string kind, int status, double ms)
        {
            _latencies.GetOrAdd(kind, _ => []).Add(ms);
            _statuses.AddOrUpdate((kind, status), 1, (_, n) => n + 1);
            var now = Stopwatch.GetTimestamp();
            _span.AddOrUpdate(kind, (now, now), (_, s) => (s.First, now));
        }

        public int Count(string kind) => _latencies.TryGetValue(kind, out var bag) ? bag.Count : 0;

        public double Span(string kind) => _span.TryGetValue(kind, out var s) ? Stopwatch.GetElapsedTime(s.First, s.Last).TotalSeconds : 0;

        public double Percentile(string kind, double q)
        {
            if (!_latencies.TryGetValue(kind, out var bag) || bag.IsEmpty)
            {
                return 0;
            }

            var sorted = bag.ToArray();
            Array.Sort(sorted);
            return Math.Round(sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * q))], 1);
        }

        public JsonObject Statuses(string kind) =>
            new(_statuses.Where(s => s.Key.Item1 == kind).OrderBy(s => s.Key.Item2)
                .Select(s => KeyValuePair.Create(s.Key.Item2.ToString(System.Globalization.CultureInfo.InvariantCulture), (JsonNode?)s.Value)));

        public JsonObject Summary(string kind) => new()
        {
            ["count"] = Count(kind), ["p50_ms"] = Percentile(kind, 0.5), ["p99_ms"] = Percentile(kind, 0.99), ["statuses"] = Statuses(kind),
        };
    }
}
