using System.ComponentModel.DataAnnotations;

namespace Ticketing.ServiceDefaults;

/// <summary>
/// The join challenge (issue 19 item 4; shared/API.md "Limits, challenges and the pre-queue"): a proof of work in ALTCHA's format that
/// sign-up and joining a queue need. Bound from <c>Ticketing:Challenge</c> and validated at start-up by the Api, which issues and
/// checks challenges, and by the Web, which shows the widget only when <see cref="Enabled"/>: one class and one default for both
/// processes, which is why it lives in the one library they share. The AppHost passes <c>Ticketing__Challenge__*</c> to every service.
/// </summary>
/// <remarks>
/// The work a challenge asks for: about <see cref="MaxNumber"/> × 3/4 key derivations of PBKDF2-HMAC-SHA256 with <see cref="Cost"/>
/// iterations each. The defaults (3,000 and 500, so about 1.1 million HMAC-SHA256 iterations) took 0.27–0.48 s in Debian's chromium
/// on this project's 2-core machine (two Web Workers, the test system beside them; measured 2026-12-06) and 0.4–0.6 s of one core in C#: unnoticed by a person,
/// and about 8 core-minutes for a script that wants a thousand joins.
/// </remarks>
public sealed class ChallengeOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Ticketing:Challenge";

    /// <summary>
    /// Whether <c>POST /api/users</c> and <c>POST /api/concerts/{concertId}/queue</c> need a solved challenge (default true, as
    /// <c>./run.sh</c> runs; the integration tests and <c>./bench.sh</c> turn it off: <c>Ticketing__Challenge__Enabled=false</c>).
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The largest secret counter a challenge hides, ALTCHA's <c>maxnumber</c> (default 3,000; 2 to 10,000,000). Each challenge's
    /// counter is drawn uniformly from <c>MaxNumber / 2 … MaxNumber</c>, so none is cheap; the solver tries counters from 0 up.
    /// </summary>
    [Range(2, 10_000_000)]
    public int MaxNumber { get; set; } = 3_000;

    /// <summary>
    /// PBKDF2 iterations per counter tried, ALTCHA v2's <c>cost</c> (default 500; 1 to 100,000). Above a few hundred, a browser's
    /// Web Crypto call costs about what native code does, so a script gains little over a person; the Api pays one derivation
    /// of this cost per challenge it issues.
    /// </summary>
    [Range(1, 100_000)]
    public int Cost { get; set; } = 500;

    /// <summary>
    /// How long a challenge can be solved and redeemed after it is issued (default 2 min; 10 s to 1 h). Short, so that work done
    /// ahead of a sale cannot be hoarded for long; a redeemed solution is remembered (Redis) for the rest of this time.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(2);
}
