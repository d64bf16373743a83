using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Ticketing.Api.Catalog;
using Ticketing.WaitingRoom;

namespace Ticketing.Api.Queue;

/// <summary>
/// The process's live status streams (<c>GET /api/concerts/{concertId}/queue/events</c>; seed 000: Redis pub/sub → SSE), grouped
/// by concert. Nothing polls per connection:
/// <list type="bullet">
/// <item>the process holds <b>one</b> Redis subscription, to <see cref="QueueKeys.LineMovedChannel"/>, on which the QueueWorker's
/// admission steps and the leave script announce that a concert's line moved;</item>
/// <item>per concert with open streams one loop reads the states of all its streams' tokens in one batched script
/// (<see cref="WaitingRoomStore.StatusManyAsync"/>: <see cref="WaitingRoomStore.StatusManyChunk"/> tokens a script) and hands each stream its own answer. Messages that
/// arrive within <see cref="MinReadInterval"/> of the last read are coalesced into the next one, so 5,000 streams on one concert
/// cost at most four batched reads a second however often the line moves; and the next read after a move waits at least twice
/// as long as the last full read and its fan-out took (<see cref="MoveReadInterval"/>), so that with very many streams (15,000 on
/// one Api in a sale opening: most of a second per fan-out) the fan-out takes at most half of the time and the rest is left to
/// joins, holds and payments;</item>
/// <item>a concert's streams are read at least every <see cref="QueueOptions.AbandonAfter"/> ÷ 4 even when the line stands
/// still, and the first read after that much time is also the heartbeat of the tokens read (the open stream keeps a WAITING
/// token's place), so no token is taken for abandoned and a lost pub/sub message (Redis pub/sub is fire-and-forget) is made
/// good; the reads after a move in between only read (the line of a sale moves several times a second: heartbeating every
/// stream at each move was two of the five Redis commands per token, both writes);</item>
/// <item>the streams of the tokens an admission step names (<see cref="LineMove.Admitted"/>) are read on their own first, as soon
/// as the message comes, whatever the time since the last read: their turn (ACTIVE) does not wait for the fan-out of every other
/// stream's new position, which with 15,000 streams on one Api takes most of a second;</item>
/// <item>a new stream's first state comes from the same loop at once (new streams that open together share one read), so the
/// states a stream sees are in the order Redis produced them;</item>
/// <item>every <see cref="QueueOptions.StreamKeepAliveInterval"/> one timer offers every stream a keep-alive comment.</item>
/// </list>
/// </summary>
public sealed class QueueEventsHub(WaitingRoomStore store, CatalogCache catalog, IOptions<QueueOptions> options, TimeProvider clock, ILogger<QueueEventsHub> logger)
    : BackgroundService
{
    private readonly WaitingRoomStore _store = store;
    private readonly CatalogCache _catalog = catalog;
    private readonly QueueOptions _options = options.Value;
    private readonly TimeProvider _clock = clock;
    private readonly ILogger _logger = logger;

    /// <summary>Shortest time between two reads of one concert's streams after its line moved (250 ms).</summary>
    public static readonly TimeSpan MinReadInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How long after the start of a concert's last full read the next one may start when the line moved: <see cref="MinReadInterval"/>,
    /// or twice the time that read and its fan-out took (<paramref name="lastFullReadTook"/>) when that is longer.
    /// </summary>
    public static TimeSpan MoveReadInterval(TimeSpan lastFullReadTook) =>
        lastFullReadTook * 2 > MinReadInterval ? lastFullReadTook * 2 : MinReadInterval;

    /// <summary>Streams handed their new state at once; then the loop pauses <see cref="OfferPause"/>.</summary>
    private const int OfferSlice = 250;

    /// <summary>
    /// Pause between slices of a fan-out: each offer wakes a stream's writer (JSON, a socket write), so 5,000 at once would hold
    /// both cores of a small machine for a hundred milliseconds and every other request would wait behind them; paced, a
    /// fan-out of 5,000 takes about 100 ms longer and requests wait a few milliseconds at most.
    /// </summary>
    private static readonly TimeSpan OfferPause = TimeSpan.FromMilliseconds(5);

    /// <summary>How long a concert's loop waits before reading again after Redis failed (1 s).</summary>
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<Guid, ConcertStreams> _concerts = new();
    private readonly ConcurrentDictionary<Guid, int> _openPerToken = new();

    /// <summary>
    /// Opens a stream of <paramref name="tokenId"/>'s states in <paramref name="concertId"/>'s line; its first state comes from
    /// <see cref="QueueEventStream.FirstAsync"/>, later changes and keep-alives from <see cref="QueueEventStream.Updates"/>.
    /// Dispose it when the connection ends.
    /// </summary>
    /// <returns>The stream; null when the token already has <see cref="QueueOptions.MaxStreamsPerPass"/> open streams on this instance.</returns>
    public QueueEventStream? Open(Guid concertId, Guid tokenId)
    {
        if (_openPerToken.AddOrUpdate(tokenId, 1, (_, open) => open + 1) > _options.MaxStreamsPerPass)
        {
            Closed(tokenId);
            return null;
        }

        var concert = _concerts.GetOrAdd(concertId, id => new ConcertStreams(id, this));
        var stream = new QueueEventStream(tokenId, concert, this);
        concert.Add(stream);
        return stream;
    }

    // One of the token's streams ended (or was refused): its count goes down, and the entry goes with the last one.
    internal void Closed(Guid tokenId)
    {
        if (_openPerToken.AddOrUpdate(tokenId, 0, (_, open) => open - 1) <= 0)
        {
            _openPerToken.TryRemove(KeyValuePair.Create(tokenId, 0));
        }
    }

    /// <summary>Subscribes to <see cref="QueueKeys.LineMovedChannel"/> (again every 5 s until Redis answers), then sends the keep-alives.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _store.SubscribeLineMovedAsync(move =>
                {
                    if (_concerts.TryGetValue(move.ConcertId, out var concert))
                    {
                        concert.LineMoved(move.Admitted);
                    }
                });
                break;
            }
            catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
            {
                _logger.LogWarning(ex, "Could not subscribe to {Channel}; live streams move only on their heartbeat reads until it works (retrying in 5 s)",
                    QueueKeys.LineMovedChannel);
                await Task.Delay(TimeSpan.FromSeconds(5), _clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        using var keepAlive = new PeriodicTimer(_options.StreamKeepAliveInterval, _clock);
        try
        {
            while (await keepAlive.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var concert in _concerts.Values)
                {
                    concert.KeepAlive();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; the streams themselves end with ApplicationStopping.
        }
    }

    /// <summary>One concert's open streams and the loop that reads their states.</summary>
    internal sealed class ConcertStreams(Guid concertId, QueueEventsHub hub)
    {
        private readonly object _gate = new();
        private readonly HashSet<QueueEventStream> _streams = [];
        private readonly HashSet<QueueEventStream> _newcomers = [];
        private readonly HashSet<QueueEventStream> _admitted = []; // streams whose token a move admitted: read before anything else
        private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _moved;
        private bool _running;
        private long? _lastFullRead;
        private TimeSpan _lastFullReadTook; // the last full read and its fan-out (read and written by the loop only)
        private long? _lastHeartbeat; // every open stream's token was heartbeaten at or after this (null: not known to be)

        public void Add(QueueEventStream stream)
        {
            lock (_gate)
            {
                _streams.Add(stream);
                _newcomers.Add(stream);
                _wake.TrySetResult();
                if (!_running)
                {
                    // The loop starts with this stream alone, and a stream's first read is its heartbeat: every stream is
                    // heartbeaten at or after now.
                    _running = true;
                    _lastHeartbeat = hub._clock.GetTimestamp();
                    _ = Task.Run(RunAsync);
                }
            }
        }

        public void Remove(QueueEventStream stream)
        {
            lock (_gate)
            {
                _streams.Remove(stream);
                _newcomers.Remove(stream);
                _admitted.Remove(stream);
            }
        }

        public void LineMoved(IReadOnlyList<Guid> admitted)
        {
            HashSet<Guid>? ids = admitted.Count > 0 ? [.. admitted] : null;
            lock (_gate)
            {
                _moved = true;
                if (ids is not null)
                {
                    foreach (var stream in _streams)
                    {
                        if (ids.Contains(stream.TokenId))
                        {
                            _admitted.Add(stream);
                        }
                    }
                }

                _wake.TrySetResult();
            }
        }

        public void KeepAlive()
        {
            QueueEventStream[] streams;
            lock (_gate)
            {
                streams = [.. _streams];
            }

            foreach (var stream in streams)
            {
                stream.OfferKeepAlive();
            }
        }

        // The loop runs while the concert has streams: it reads the streams of admitted tokens first, all of them when the line
        // moved (at most every MoveReadInterval) or the heartbeat is due, and only the newcomers otherwise; then it waits to be
        // woken or for the next due read.
        private async Task RunAsync()
        {
            var heartbeat = hub._options.AbandonAfter / 4;
            while (true)
            {
                List<QueueEventStream>? batch = null;
                var heartbeatRead = true; // a newcomers' first read is their heartbeat too
                var full = false;
                Task wake;
                var wait = TimeSpan.Zero;
                lock (_gate)
                {
                    if (_streams.Count == 0)
                    {
                        _running = false;
                        return;
                    }

                    if (_wake.Task.IsCompleted)
                    {
                        _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }

                    wake = _wake.Task;
                    var now = hub._clock.GetTimestamp();
                    var sinceFull = _lastFullRead is { } last ? hub._clock.GetElapsedTime(last, now) : TimeSpan.MaxValue;
                    var moveInterval = MoveReadInterval(_lastFullReadTook);
                    if (_admitted.Count > 0)
                    {
                        // Their turn came: a read of these alone (ACTIVE tokens are always touched; no one else's heartbeat).
                        batch = [.. _admitted];
                        _admitted.Clear();
                        heartbeatRead = false;
                    }
                    else if ((_moved && sinceFull >= moveInterval) || sinceFull >= heartbeat)
                    {
                        full = true;
                        batch = [.. _streams.Where(s => !s.Ended)];
                        _newcomers.Clear();
                        _moved = false;
                        _lastFullRead = now;
                        heartbeatRead = _lastHeartbeat is not { } beat || hub._clock.GetElapsedTime(beat, now) >= heartbeat;
                        if (heartbeatRead)
                        {
                            _lastHeartbeat = now;
                        }
                    }
                    else if (_newcomers.Count > 0)
                    {
                        batch = [.. _newcomers];
                        _newcomers.Clear();
                    }
                    else
                    {
                        wait = (_moved ? moveInterval : heartbeat) - sinceFull;
                    }
                }

                if (batch is null)
                {
                    using var timeout = new CancellationTokenSource();
                    await Task.WhenAny(wake, Task.Delay(wait, hub._clock, timeout.Token));
                    await timeout.CancelAsync();
                }
                else if (batch.Count > 0 && !await ReadTimedAsync(batch, heartbeatRead, full))
                {
                    if (heartbeatRead)
                    {
                        lock (_gate)
                        {
                            _lastHeartbeat = null; // it did not happen: the next read is the heartbeat
                        }
                    }

                    await Task.Delay(RetryAfterFailure, hub._clock);
                }
            }
        }

        // ReadAsync; a full read's time (with its fan-out) sets how soon the next one after a move may start.
        private async Task<bool> ReadTimedAsync(List<QueueEventStream> batch, bool heartbeat, bool full)
        {
            var started = hub._clock.GetTimestamp();
            var read = await ReadAsync(batch, heartbeat);
            if (full)
            {
                _lastFullReadTook = hub._clock.GetElapsedTime(started);
            }

            return read;
        }

        // One batched read of the batch's tokens (two streams of one token share it), also their heartbeat when asked; each stream
        // gets its own answer.
        private async Task<bool> ReadAsync(List<QueueEventStream> batch, bool heartbeat)
        {
            var tokens = batch.Select(s => s.TokenId).Distinct().ToList();
            try
            {
                var settings = hub._options;
                var states = await hub._store.StatusManyAsync(concertId, tokens, hub._clock.GetUtcNow(), settings, heartbeat);
                var opensAt = states.Any(s => s.Status == QueueStatus.PreQueue) ? (await hub._catalog.GetAsync()).SaleOpensAt(concertId) : null;
                var byToken = new Dictionary<Guid, QueueStatusResponse>(tokens.Count);
                for (var i = 0; i < tokens.Count; i++)
                {
                    byToken[tokens[i]] = QueueStatusResponse.Of(states[i], settings, opensAt);
                }

                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Offer(byToken[batch[i].TokenId]);
                    if ((i + 1) % OfferSlice == 0)
                    {
                        await Task.Delay(OfferPause, hub._clock);
                    }
                }

                return true;
            }
            catch (Exception ex)
            {
                // Redis down or slow: streams waiting for their first state answer 503; open ones keep going and are read again.
                hub._logger.LogWarning(ex, "Reading {Count} live streams of concert {ConcertId} failed", tokens.Count, concertId);
                foreach (var stream in batch)
                {
                    stream.Fail(ex);
                }

                return false;
            }
        }
    }
}

/// <summary>
/// One open live stream of a queue token's states, fed by <see cref="QueueEventsHub"/>: the first state, then each change (a
/// status, position, estimated wait or active-until unlike the last one) and keep-alives (<c>null</c> items) in
/// <see cref="Updates"/>, which keeps the newest 4 items when the client reads slowly. Nothing is offered after an ACTIVE or
/// EXPIRED state.
/// </summary>
public sealed class QueueEventStream : IDisposable
{
    private readonly QueueEventsHub.ConcertStreams _concert;
    private readonly QueueEventsHub _hub;
    private int _disposed;
    private readonly TaskCompletionSource<QueueStatusResponse> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<QueueStatusResponse?> _updates = Channel.CreateBounded<QueueStatusResponse?>(
        new BoundedChannelOptions(4) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private QueueStatusResponse? _last;

    internal QueueEventStream(Guid tokenId, QueueEventsHub.ConcertStreams concert, QueueEventsHub hub)
    {
        TokenId = tokenId;
        _concert = concert;
        _hub = hub;
    }

    /// <summary>The queue token's id (its <c>jti</c>).</summary>
    public Guid TokenId { get; }

    /// <summary>Changes after the first state, and <c>null</c> for a keep-alive; the last change offered is ACTIVE or EXPIRED, if any.</summary>
    public ChannelReader<QueueStatusResponse?> Updates => _updates.Reader;

    /// <summary>True once an ACTIVE or EXPIRED state was offered: the stream is not read again.</summary>
    internal bool Ended => _last is { IsFinal: true };

    /// <summary>The token's state when the stream opened (read, and counted as its heartbeat, by the hub's next read).</summary>
    /// <exception cref="StackExchange.Redis.RedisException">Redis did not answer that read (also <see cref="TimeoutException"/>).</exception>
    public Task<QueueStatusResponse> FirstAsync(CancellationToken cancellationToken) => _first.Task.WaitAsync(cancellationToken);

    /// <summary>Stops reading this stream's token and frees its place among the pass's open streams (once, however often called).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _concert.Remove(this);
            _hub.Closed(TokenId);
        }
    }

    // Called by the concert's loop only (one at a time).
    internal void Offer(QueueStatusResponse state)
    {
        if (_last is null)
        {
            _last = state;
            _first.TrySetResult(state);
        }
        else if (!Ended && state != _last)
        {
            _last = state;
            _updates.Writer.TryWrite(state);
        }
    }

    internal void OfferKeepAlive()
    {
        if (_last is not null && !Ended)
        {
            _updates.Writer.TryWrite(null);
        }
    }

    internal void Fail(Exception exception) => _first.TrySetException(exception);
}
