namespace Ticketing.WaitingRoom;

/// <summary>
/// The <c>estimatedWaitSeconds</c> of a WAITING token: with <c>position</c> tokens ahead and at most
/// <see cref="QueueOptions.AdmissionBatchSize"/> admitted per <see cref="QueueOptions.AdmissionInterval"/>,
/// the caller is in batch ⌈(position + 1) / batch⌉. This is a lower bound when the active set is full
/// (admission then waits for slots to free up).
/// </summary>
public static class WaitEstimate
{
    /// <summary>Seconds until admission (≥ 0, rounded up) for <paramref name="position"/> (≥ 0) tokens ahead.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is negative.</exception>
    public static long Seconds(long position, int batchSize, TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var batches = position / batchSize + 1;
        return (long)Math.Ceiling(batches * interval.TotalSeconds);
    }
}
