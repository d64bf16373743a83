using Shouldly;

namespace Ticketing.IntegrationTests.Support;

/// <summary>Waiting for something the system does asynchronously (a notification, an admission), with a deadline.</summary>
public static class Polling
{
    /// <summary>
    /// Reads <paramref name="read"/> every <paramref name="interval"/> (default 50 ms) until <paramref name="done"/> holds and
    /// returns that value; fails with the last value seen (a list: its first 20 items) when <paramref name="timeout"/> passes first.
    /// </summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, TimeSpan? interval = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new ShouldAssertException($"The condition did not hold within {timeout.TotalSeconds:0.#} s; last seen: {Describe(value)}");
            }

            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(50));
        }
    }

    private static string Describe<T>(T value) => value switch
    {
        string text => text.Length > 2000 ? text[..2000] + "…" : text,
        System.Collections.IEnumerable items => string.Join("; ", items.Cast<object?>().Take(20)),
        _ => value?.ToString() ?? "null",
    };
}
