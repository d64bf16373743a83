using System.Globalization;

namespace Ticketing.Web.Services;

/// <summary>
/// The waiting room's words and numbers, rendered by the server on the first paint; <c>wwwroot/js/waiting-room.js</c> writes
/// the same ones as the line moves (keep the two in step).
/// </summary>
public static class WaitingRoomText
{
    /// <summary>"person ahead of you" for 1, "people ahead of you" for any other count (0 included), after the number.</summary>
    public static string AheadOfYou(long position) => position == 1 ? "person ahead of you" : "people ahead of you";

    /// <summary>
    /// An estimated wait of <paramref name="seconds"/> (≥ 0) in words: "less than a minute" under 60 s, whole minutes (rounded up)
    /// under 2 hours, then hours and minutes.
    /// </summary>
    public static string Wait(long seconds)
    {
        if (seconds < 60)
        {
            return "less than a minute";
        }

        var minutes = (seconds + 59) / 60;
        if (minutes < 120)
        {
            return minutes == 1 ? "about 1 minute" : $"about {minutes} minutes";
        }

        return $"about {minutes / 60} h {minutes % 60:00} min";
    }

    /// <summary>
    /// How far through the line, in percent (0..100, whole): the share of the <paramref name="startPosition"/> people who were ahead
    /// when you joined that are no longer ahead; 100 when nobody was. Null start (unknown) reads as the current position: 0 %.
    /// </summary>
    public static int Progress(long? startPosition, long position)
    {
        var start = Math.Max(startPosition ?? position, position);
        return start == 0 ? 100 : (int)Math.Round(100.0 * (start - position) / start, MidpointRounding.AwayFromZero);
    }

    /// <summary>A moment as <c>ddd d MMM yyyy, HH:mm</c> UTC (invariant), e.g. the sale's opening; the page's script shows it in the person's own time zone.</summary>
    public static string Moment(DateTimeOffset at) => at.ToUniversalTime().ToString("ddd d MMM yyyy, HH:mm", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>A time of day as <c>HH:mm:ss</c> (24-hour, invariant).</summary>
    public static string Clock(DateTimeOffset at) => at.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
}
