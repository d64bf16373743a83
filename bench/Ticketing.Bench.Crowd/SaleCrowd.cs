// ./bench.sh's sale-opening scenario (BENCH_ONLY=sale): a crowd made by this program's bulk mode arrives at once at one concert
// whose house it then buys out, through the real Api, as people would.
//   dotnet Ticketing.Bench.Crowd.dll sale <redis> <api urls> <out dir> <poll seconds> <max seconds> <stream share>
// <api urls> is one Api, or its replicas' own addresses separated by commas: person n talks to replica n mod their number, as a
// load balancer that keeps each client on one server would (reaching them on their own ports rather than through DCP's proxy,
// which would hold two more sockets per stream).
// Reads <out>/crowd-users.txt ("userId accessToken" per line), <out>/pay-concert.txt and <out>/pay-schedules.txt (its 50-seat
// schedules: the house). Then:
// 1. The burst: every person joins the concert's line (POST …/queue), 384 requests in flight.
// 2. The wait: a share of the people (<stream share>, 0-1, spread evenly through the line) wait on a live stream
//    (GET …/queue/events, one connection each) until it says ACTIVE; everyone else polls GET …/queue every
//    <poll seconds> (±20%), the heartbeat that keeps a place. The streams are held by relay processes (StreamRelay.cs), one per
//    Api replica: one process cannot hold 50,000 sockets here (the open-files hard limit is 20,000), and neither can one Api.
//    A stream that fails or ends early falls back to polling.
// 3. The purchase: an ACTIVE person takes the next seat from a shared shuffled list of the house's seats (people choosing free
//    seats, without each reading the seat map), holds it and pays; a seat whose hold or payment failed goes back on the list.
//    Paying ends the person's pass, which frees the slot for the next in line.
// 4. Sold out: once every seat is paid, each person still waiting leaves the line (DELETE …/queue) at their next poll.
// Stops when everyone is done or after <max seconds>; writes <out>/sale.json: the join burst (rate, latencies, statuses), the
// heartbeat, hold and payment latencies during the sale, the time from the first join to sold out, what became of everyone, the
// streams (how many were open at most, how long the first event took, and the delivery of each streamed person's turn: from the
// admission the QueueWorker wrote into the token (admittedAt, Unix ms) to the moment the ACTIVE event was read, on this machine's one
// clock, for the streams that were open and WAITING when the turn came), and the admission order against the join order, read
// back from Redis: each token keeps its Kafka offset (join order; one concert's joins share a partition) and its admittedSeq
// (admission order); an inversion is a token admitted before one that joined earlier.
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
    // on other machines); each stream relay opens up to StreamRelay.OpeningInFlight streams at once besides.
    private const int WaitingInFlight = 384, BuyingInFlight = 128;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 6)
        {
            Console.Error.WriteLine("usage: Ticketing.Bench.Crowd sale <redis> <api urls> <out dir> <poll seconds> <max seconds> <stream share>");
            return 2;
        }

        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        var (redisConnection, apiUrls, outDir, poll, maxRun, streamShare) =
            (args[0], args[1].Split(',').Select(url => new Uri(url)).ToArray(), args[2], TimeSpan.FromSeconds(double.Parse(args[3], invariant)), TimeSpan.FromSeconds(int.Parse(args[4])),
             Math.Clamp(double.Parse(args[5], invariant), 0, 1));
        var people = (await File.ReadAllLinesAsync(Path.Combine(outDir, "crowd-users.txt")))
            .Select((l, i) => new Person(i, l.Split(' ')[1], streams: Math.Floor((i + 1) * streamShare) > Math.Floor(i * streamShare))).ToArray();
        var concert = Guid.Parse((await File.ReadAllTextAsync(Path.Combine(outDir, "pay-concert.txt"))).Trim());
        var schedules = (await File.ReadAllLinesAsync(Path.Combine(outDir, "pay-schedules.txt"))).Select(Guid.Parse).ToArray();
        var house = schedules.SelectMany(s => Enumerable.Range(1, 50).Select(n => (Schedule: s, Seat: n))).ToArray();
        Random.Shared.Shuffle(house);
        var freeSeats = new ConcurrentQueue<(Guid Schedule, int Seat)>(house);

        var clients = apiUrls.Select(url => new HttpClient(
            new SocketsHttpHandler { MaxConnectionsPerServer = WaitingInFlight + BuyingInFlight, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = url,
            Timeout = TimeSpan.FromSeconds(60),
        }).ToArray();
        // The streams' own connections, one each, held as long as the person waits: in a relay process per replica.
        var relays = people.Any(p => p.Streams) ? apiUrls.Select(url => StreamRelayClient.Start(url, concert)).ToArray() : [];
        Console.WriteLine($"  {apiUrls.Length} Api address(es); {people.Count(p => p.Streams):N0} streams held by {relays.Length} relay process(es): "
            + string.Join(", ", relays.Select(r => r.ProcessId)));
        var (waitingGate, buyingGate) = (new SemaphoreSlim(WaitingInFlight), new SemaphoreSlim(BuyingInFlight));
        using var soldOut = new CancellationTokenSource();
        soldOut.Token.Register(() => Array.ForEach(relays, relay => _ = relay.StopAsync())); // the streams still open end
        var (openStreams, peakStreams, streamFallbacks) = (0, 0, 0);
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
                    using var response = await clients[person.Index % clients.Length].SendAsync(request, deadline.Token);
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
                            await soldOut.CancelAsync(); // the streams still open end, and their people leave
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

        // Waits on the person's live stream, held by their replica's relay (which opens StreamRelay.OpeningInFlight at a time), until
        // it says ACTIVE or EXPIRED (returned); null when the stream could not open or ended early (the caller polls instead) or
        // the house sold out meanwhile.
        async Task<string?> StreamUntilTurnAsync(Person person)
        {
            using var ended = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, soldOut.Token);
            try
            {
                var (opened, final) = await relays[person.Index % relays.Length].OpenAsync(person.Index, person.AccessToken, person.QueueToken!);
                var (status, ms) = await opened.WaitAsync(ended.Token);
                if (ended.IsCancellationRequested)
                {
                    return null; // sold out (or out of time) meanwhile: the relay closing its streams is not their failure
                }

                stats.Record("stream", status, ms);
                if (status != 200)
                {
                    return null;
                }

                InterlockedMax(ref peakStreams, Interlocked.Increment(ref openStreams));
                _ = final.ContinueWith(_ => Interlocked.Decrement(ref openStreams), TaskScheduler.Default);
                var (last, waited, atUnixMs) = await final.WaitAsync(ended.Token);
                // A turn delivered by the stream, when it was open and WAITING before: not one that came before the stream opened
                // (its first event is then ACTIVE, and the wait was the relay's, opening StreamRelay.OpeningInFlight at a time).
                if (last == "ACTIVE" && waited)
                {
                    person.ActiveSeenAtMs = atUnixMs;
                }

                return last;
            }
            catch (OperationCanceledException) when (ended.IsCancellationRequested)
            {
                return null;
            }
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
            if (person.Streams && status is "WAITING" or "PREQUEUE")
            {
                if (await StreamUntilTurnAsync(person) is { } streamed)
                {
                    status = streamed;
                }
                else if (!soldOut.IsCancellationRequested && !deadline.IsCancellationRequested)
                {
                    Interlocked.Increment(ref streamFallbacks);
                }
            }
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
                    + $"{Volatile.Read(ref openStreams):N0} streams open, {stats.Count("heartbeat"):N0} heartbeats (p99 {stats.Percentile("heartbeat", 0.99):F0} ms)");
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
        foreach (var relay in relays)
        {
            await relay.DisposeAsync();
        }

        Array.ForEach(clients, client => client.Dispose());
        var (admissionOrder, turnDelivery) = await ReadBackAsync(redisConnection, people);
        var result = new JsonObject
        {
            ["people"] = people.Length,
            ["seats"] = house.Length,
            ["pollSeconds"] = poll.TotalSeconds,
            ["streamShare"] = streamShare,
            ["apiReplicas"] = apiUrls.Length,
            ["joinBurst"] = new JsonObject
            {
                ["seconds"] = Math.Round(stats.Span("join"), 2),
                ["perSecond"] = Math.Round(people.Length / Math.Max(stats.Span("join"), 0.001)),
                ["p50_ms"] = stats.Percentile("join", 0.5), ["p99_ms"] = stats.Percentile("join", 0.99), ["statuses"] = stats.Statuses("join"),
            },
            ["heartbeat"] = stats.Summary("heartbeat"),
            ["streams"] = new JsonObject
            {
                ["people"] = people.Count(p => p.Streams),
                ["peakOpen"] = peakStreams,
                ["firstEvent"] = stats.Summary("stream"),
                ["fellBackToPolling"] = streamFallbacks,
                ["turnDelivery"] = turnDelivery,
            },
            ["hold"] = stats.Summary("hold"),
            ["payment"] = stats.Summary("payment"),
            ["leave"] = stats.Summary("leave"),
            ["paid"] = paid,
            ["soldOutSeconds"] = soldOutAt < 0 ? null : JsonValue.Create(Math.Round(soldOutAt, 2)),
            ["admissionOrder"] = admissionOrder,
            ["outcomes"] = new JsonObject(people.GroupBy(p => p.Outcome ?? "not done")
                .Select(g => KeyValuePair.Create(g.Key, (JsonNode?)g.Count()))),
        };
        await File.WriteAllTextAsync(Path.Combine(outDir, "sale.json"), result.ToJsonString());
        Console.WriteLine($"  {paid:N0} of {house.Length:N0} seats paid; sold out {(soldOutAt < 0 ? "never" : $"{soldOutAt:F1} s after the first join")}");
        return soldOutAt < 0 ? 1 : 0;
    }

    // Read back from every joined person's token record, in one pass: the admission order — join order (the token's Kafka
    // offset) against admission order (its admittedSeq) of every admitted token — and each streamed person's turn delivery: from
    // the admission (admittedAt, written by the QueueWorker's admission step) to the moment the ACTIVE event was read from the
    // stream, in ms; both Unix ms on this machine's clock.
    private static async Task<(JsonObject AdmissionOrder, JsonObject TurnDelivery)> ReadBackAsync(string redisConnection, Person[] people)
    {
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redisConnection);
        var db = redis.GetDatabase();
        var joined = people.Where(p => p.QueueToken is not null).ToArray();
        var reads = joined.Select(p => db.HashGetAsync($"wr:tok:{TokenId(p.QueueToken!):N}", ["offset", "admittedSeq", "admittedAt"])).ToArray();
        await Task.WhenAll(reads);
        var records = joined.Zip(reads, (person, read) => (Person: person, Fields: read.Result)).ToArray();

        var admitted = records.Where(r => r.Fields[0].HasValue && r.Fields[1].HasValue)
            .Select(r => (Offset: (long)r.Fields[0], Seq: (long)r.Fields[1])).OrderBy(t => t.Offset).ToArray();
        var inversions = admitted.Zip(admitted.Skip(1)).Count(pair => pair.Second.Seq < pair.First.Seq);

        var delays = records.Where(r => r.Person.ActiveSeenAtMs > 0 && r.Fields[2].HasValue)
            .Select(r => (double)(r.Person.ActiveSeenAtMs - (long)r.Fields[2])).Order().ToArray();
        return (new JsonObject { ["admitted"] = admitted.Length, ["inversions"] = inversions },
            new JsonObject { ["count"] = delays.Length, ["p50_ms"] = Quantile(delays, 0.5), ["p99_ms"] = Quantile(delays, 0.99), ["max_ms"] = delays.LastOrDefault() });
    }

    // The q-quantile (0-1) of ascending values, to 0.1; 0 when there are none.
    private static double Quantile(double[] sorted, double q) =>
        sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * q))], 1);

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }

    // The queue token's id: its jti claim.
    private static Guid TokenId(string token) => Guid.Parse(new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).Id);

    private sealed class Person(int index, string accessToken, bool streams)
    {
        /// <summary>The person's place in crowd-users.txt: which replica (and relay) they use.</summary>
        public int Index { get; } = index;

        public string AccessToken { get; } = accessToken;

        /// <summary>Whether this person waits on a live stream rather than polling.</summary>
        public bool Streams { get; } = streams;

        /// <summary>When the stream said ACTIVE (Unix ms); 0 if it never did.</summary>
        public long ActiveSeenAtMs { get; set; }

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

        public double Percentile(string kind, double q) =>
            _latencies.TryGetValue(kind, out var bag) ? Quantile([.. bag.Order()], q) : 0;

        public JsonObject Statuses(string kind) =>
            new(_statuses.Where(s => s.Key.Item1 == kind).OrderBy(s => s.Key.Item2)
                .Select(s => KeyValuePair.Create(s.Key.Item2.ToString(System.Globalization.CultureInfo.InvariantCulture), (JsonNode?)s.Value)));

        public JsonObject Summary(string kind) => new()
        {
            ["count"] = Count(kind), ["p50_ms"] = Percentile(kind, 0.5), ["p99_ms"] = Percentile(kind, 0.99), ["statuses"] = Statuses(kind),
        };
    }
}
