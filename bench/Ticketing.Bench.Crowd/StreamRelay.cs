// The sale opening's live streams, held in processes of their own: one process may hold at most 20,000 open files here (the
// hard limit of `ulimit -n`), so 50,000 streams need three holders, as they need three Api replicas (SaleCrowd.cs). The sale
// client starts one relay per Api replica and talks to it over its standard input and output, one line per message:
//   dotnet Ticketing.Bench.Crowd.dll sale-streams <api url> <concert id>
//   in:  "open <n> <access token> <queue token>"   open person n's stream (GET /api/concerts/{id}/queue/events)
//        "stop"                                     close every stream and exit (so does the end of the input)
//   out: "opened <n> <ms>"                          the stream's first event came, <ms> after the "open" was read
//        "failed <n> <http status> <ms>"            the stream did not open (status 0: no answer)
//        "final <n> <status> <waited> <unix ms>"    the stream ended: status ACTIVE or EXPIRED (the last event), or "-" when
//                                                   it ended without either; waited 1 when a WAITING or PREQUEUE event came
//                                                   before; when (this machine's clock), so a turn's delivery can be timed
// Every "open" gets exactly one "opened" or "failed"; every "opened" exactly one "final" (also when "stop" closes it).
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Threading.Channels;

/// <summary>The relay process: holds the streams it is told to open and reports on each.</summary>
internal static class StreamRelay
{
    /// <summary>Streams a relay opens at once (until their first event); the rest wait their turn, as a browser's would not.</summary>
    public const int OpeningInFlight = 256;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: Ticketing.Bench.Crowd sale-streams <api url> <concert id>");
            return 2;
        }

        var (apiUrl, concert) = (new Uri(args[0]), Guid.Parse(args[1]));
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = apiUrl,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        using var stop = new CancellationTokenSource();
        var output = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        var writer = Task.Run(async () =>
        {
            await using var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false };
            while (await output.Reader.WaitToReadAsync())
            {
                while (output.Reader.TryRead(out var line))
                {
                    await stdout.WriteLineAsync(line);
                }

                await stdout.FlushAsync(); // all there is, in one write
            }
        });
        // A relay that cannot report is of no use: it ends, and the client takes its streams for failed (they fall back to polling).
        _ = writer.ContinueWith(t =>
        {
            Console.Error.WriteLine($"stream relay: cannot write its reports: {t.Exception!.GetBaseException().Message}");
            Environment.Exit(1);
        }, TaskContinuationOptions.OnlyOnFaulted);
        var streams = new List<Task>(); // every stream's task, kept to the end (only the input loop below adds to it)
        var opening = new SemaphoreSlim(OpeningInFlight);

        async Task HoldAsync(int n, string accessToken, string queueToken)
        {
            var started = Stopwatch.GetTimestamp();
            var (opened, waited, last) = (false, false, "-");
            var gateHeld = false;
            try
            {
                await opening.WaitAsync(stop.Token);
                gateHeld = true;
                started = Stopwatch.GetTimestamp(); // the wait for the gate is this client's, not the Api's
                using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/concerts/{concert}/queue/events");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
                request.Headers.Add("X-Queue-Token", queueToken);
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop.Token);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    Write($"failed {n} {(int)response.StatusCode} {Ms(started)}");
                    return;
                }

                // System.Net.ServerSentEvents' parser (in-box): the events' UTF-8 bytes are read in place; keep-alive comments
                // are not items.
                await using var body = await response.Content.ReadAsStreamAsync(stop.Token);
                await foreach (var item in SseParser.Create(body, (_, data) => StatusOf(data)).EnumerateAsync(stop.Token))
                {
                    if (!opened)
                    {
                        opened = true;
                        Write($"opened {n} {Ms(started)}");
                        opening.Release();
                        gateHeld = false;
                    }

                    var status = item.Data;
                    if (status is "ACTIVE" or "EXPIRED")
                    {
                        last = status;
                        return;
                    }

                    waited = true;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
                if (!opened)
                {
                    Write($"failed {n} 0 {Ms(started)}");
                }
            }
            finally
            {
                if (gateHeld)
                {
                    opening.Release();
                }

                if (opened)
                {
                    Write($"final {n} {last} {(waited ? 1 : 0)} {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}");
                }
            }
        }

        void Write(string line) => output.Writer.TryWrite(line);

        using var stdin = new StreamReader(Console.OpenStandardInput());
        while (await stdin.ReadLineAsync() is { } command && command != "stop")
        {
            var parts = command.Split(' ');
            if (parts is ["open", var number, var accessToken, var queueToken])
            {
                var n = int.Parse(number, CultureInfo.InvariantCulture);
                streams.Add(Task.Run(() => HoldAsync(n, accessToken, queueToken)));
            }
        }

        await stop.CancelAsync();
        await Task.WhenAll(streams);
        output.Writer.Complete();
        await writer;
        return 0;
    }

    // The "status" of an event's data ({"status":"WAITING",…}, the Api's camel-case JSON), read without parsing the JSON or
    // making a string: the relay reads every event of up to 17,000 streams on the cores the system runs on.
    private static string StatusOf(ReadOnlySpan<byte> data)
    {
        var start = data.IndexOf("\"status\":\""u8);
        if (start < 0)
        {
            return "";
        }

        var value = data[(start + 10)..];
        return value.StartsWith("ACTIVE\""u8) ? "ACTIVE" : value.StartsWith("EXPIRED\""u8) ? "EXPIRED" : "WAITING";
    }

    private static string Ms(long started) => Stopwatch.GetElapsedTime(started).TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture);
}

/// <summary>
/// The sale client's side of one relay process: opens people's streams in it and hands back what it reports. If the relay dies,
/// whatever it had not reported yet fails (a stream that never opened: status 0; one that was open: ended without a final state).
/// </summary>
internal sealed class StreamRelayClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentDictionary<int, Pending> _pending = new();
    private readonly SemaphoreSlim _writeLock = new(1);
    private readonly Task _reader;
    private readonly Lazy<Task> _stop;

    private StreamRelayClient(Process process)
    {
        _process = process;
        _reader = Task.Run(ReadAsync);
        _stop = new Lazy<Task>(StopCoreAsync);
    }

    /// <summary>Starts a relay for streams on <paramref name="apiUrl"/> (this program again, in its sale-streams mode).</summary>
    public static StreamRelayClient Start(Uri apiUrl, Guid concert)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(typeof(StreamRelay).Assembly.Location);
        }

        foreach (var argument in new[] { "sale-streams", apiUrl.ToString(), concert.ToString() })
        {
            start.ArgumentList.Add(argument);
        }

        return new StreamRelayClient(Process.Start(start) ?? throw new InvalidOperationException("The stream relay did not start."));
    }

    /// <summary>The relay's process id (its CPU is the client's).</summary>
    public int ProcessId => _process.Id;

    /// <summary>
    /// Opens person <paramref name="n"/>'s stream: <c>Opened</c> gives the first event's latency (ms) or the failure's status
    /// (0: no answer), <c>Final</c> how the stream ended (its status is null when it ended without ACTIVE or EXPIRED).
    /// </summary>
    public async Task<(Task<(int Status, double Ms)> Opened, Task<(string? Status, bool Waited, long AtUnixMs)> Final)> OpenAsync(
        int n, string accessToken, string queueToken)
    {
        var pending = new Pending();
        _pending[n] = pending;
        await _writeLock.WaitAsync();
        try
        {
            if (_stop.IsValueCreated)
            {
                Fail(n, pending); // stopped: nothing opens any more
            }
            else
            {
                await _process.StandardInput.WriteLineAsync($"open {n} {accessToken} {queueToken}");
                await _process.StandardInput.FlushAsync();
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            Fail(n, pending); // the relay is gone
        }
        finally
        {
            _writeLock.Release();
        }

        return (pending.Opened.Task, pending.Final.Task);
    }

    /// <summary>Closes every stream of the relay and waits for it to exit (its "final"s are read first); once, however often called.</summary>
    public Task StopAsync() => _stop.Value;

    /// <inheritdoc cref="StopAsync"/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    private async Task StopCoreAsync()
    {
        await _writeLock.WaitAsync();
        try
        {
            await _process.StandardInput.WriteLineAsync("stop");
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // already gone
        }
        finally
        {
            _writeLock.Release();
        }

        await _reader;
        await _process.WaitForExitAsync();
    }

    private async Task ReadAsync()
    {
        var invariant = CultureInfo.InvariantCulture;
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            var parts = line.Split(' ');
            var n = int.Parse(parts[1], invariant);
            if (!_pending.TryGetValue(n, out var pending))
            {
                continue;
            }

            switch (parts[0])
            {
                case "opened":
                    pending.Opened.TrySetResult((200, double.Parse(parts[2], invariant)));
                    break;
                case "failed":
                    pending.Opened.TrySetResult((int.Parse(parts[2], invariant), double.Parse(parts[3], invariant)));
                    pending.Final.TrySetResult((null, false, 0));
                    _pending.TryRemove(n, out _);
                    break;
                case "final":
                    pending.Final.TrySetResult((parts[2] == "-" ? null : parts[2], parts[3] == "1", long.Parse(parts[4], invariant)));
                    _pending.TryRemove(n, out _);
                    break;
            }
        }

        foreach (var (n, pending) in _pending)
        {
            Fail(n, pending);
        }
    }

    private void Fail(int n, Pending pending)
    {
        pending.Opened.TrySetResult((0, 0));
        pending.Final.TrySetResult((null, false, 0));
        _pending.TryRemove(n, out _);
    }

    private sealed class Pending
    {
        public TaskCompletionSource<(int Status, double Ms)> Opened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<(string? Status, bool Waited, long AtUnixMs)> Final { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
