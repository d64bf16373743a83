namespace Ticketing.WaitingRoom;

/// <summary>
/// The <c>estimatedWaitSeconds</c> of a WAITING token with <c>position</c> tokens ahead. Two bounds, the larger wins:
/// <list type="bullet">
/// <item>the admission tick: at most <see cref="QueueOptions.AdmissionBatchSize"/> per
/// <see cref="QueueOptions.AdmissionInterval"/>, so the caller is in batch ⌈(position + 1) / batch⌉;</item>
/// <item>the line's observed speed: admissions per second over its last 20 admission steps (within the last minute),
/// measured up to now. When the active set is full, admission waits for buyers to leave, and only this bound sees it.</item>
/// </list>
/// </summary>
public static class WaitEstimate
{
    /// <summary>Seconds until admission (≥ 0, rounded up) for <paramref name="position"/> (≥ 0) tokens ahead.</summary>
    /// <param name="position">Tokens ahead.</param>
    /// <param name="batchSize">Most admissions per tick (≥ 1).</param>
    /// <param name="interval">Time between ticks.</param>
    /// <param name="admissionsPerSecond">Observed rate (see <see cref="ObservedRate"/>); null or ≤ 0 when unknown.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is negative or <paramref name="batchSize"/> is not positive.</exception>
    public static long Seconds(long position, int batchSize, TimeSpan interval, double? admissionsPerSecond = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var batches = position / batchSize + 1;
        var byTick = Math.Ceiling(batches * interval.TotalSeconds);
        var byRate = admissionsPerSecond is > 0 and var rate ? Math.Ceiling((position + 1) / rate) : 0;
        return (long)Math.Max(byTick, byRate);
    }

    /// <summary>
    /// Admissions per second from <paramref name="admitted"/> admissions over the <paramref name="msSinceFirst"/> ms since
    /// the first of them (the span is at least one <paramref name="interval"/>, so a single step does not read as
    /// infinitely fast). Null when nobody was admitted.
    /// </summary>
    public static double? ObservedRate(long admitted, long msSinceFirst, TimeSpan interval) =>
        admitted <= 0 ? null : admitted / Math.Max(msSinceFirst / 1000.0, interval.TotalSeconds);
}
