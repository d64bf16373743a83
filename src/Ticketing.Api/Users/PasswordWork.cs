using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Identity;

namespace Ticketing.Api.Users;

/// <summary>
/// The Api's PBKDF2 work (ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/>, V3: HMAC-SHA512, 100,000 iterations,
/// tens of ms of one core per hash) run at most <c>max(1, cores − 1)</c> at a time, through a
/// <see cref="ConcurrencyLimiter"/> (System.Threading.RateLimiting) whose queue keeps arrival order. A hash blocks its
/// thread-pool thread for its whole run; fifty sign-ups at once on 2 cores used to block every pool thread, so the
/// queue's heartbeats, holds and even Npgsql's pool returns waited behind them (a sign-up answered 503 after 35 s in CI on
/// 2026-12-06). With the limit, a sign-up storm costs sign-ups latency and leaves a core to everything else; a sign-up or
/// sign-in that cannot even queue (more than <see cref="QueueLimit"/> waiting) gets 503 <c>SERVICE_UNAVAILABLE</c>.
/// </summary>
public sealed class PasswordWork : IDisposable
{
    /// <summary>How many hashes may wait for a core; beyond it <see cref="RunAsync{T}"/> throws <see cref="BusyException"/> (503).</summary>
    public const int QueueLimit = 1_000;

    private readonly ConcurrencyLimiter _limiter = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = Math.Max(1, Environment.ProcessorCount - 1),
        QueueLimit = QueueLimit,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    /// <summary>Runs <paramref name="hash"/> (a hash or a verification) once a permit is free, waiting without blocking a thread.</summary>
    /// <exception cref="BusyException">The wait queue is full: nothing was done (the exception handler answers 503 with <c>Retry-After</c>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired while waiting (the client left).</exception>
    public async Task<T> RunAsync<T>(Func<T> hash, CancellationToken cancellationToken)
    {
        using var lease = await _limiter.AcquireAsync(1, cancellationToken);
        return lease.IsAcquired ? hash() : throw new BusyException();
    }

    /// <inheritdoc />
    public void Dispose() => _limiter.Dispose();

    /// <summary>More password work is waiting than <see cref="QueueLimit"/>: a 503, like an exhausted connection pool.</summary>
    public sealed class BusyException() : Exception($"More than {QueueLimit} password hashes are waiting for a core.");
}
