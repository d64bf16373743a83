using Ticketing.Client;

namespace Ticketing.Web.Services;

/// <summary>Where a show stands for its organiser, from its booking window and whether it was cancelled.</summary>
public enum ScheduleState
{
    /// <summary>Booking opens later (<c>now &lt; bookingOpensAt</c>).</summary>
    NotYetOpen,

    /// <summary>Inside the booking window (<c>bookingOpensAt ≤ now &lt; bookingClosesAt</c>): buyers can book and cancel.</summary>
    OnSale,

    /// <summary>The booking window has ended; reservations can no longer be cancelled by their buyers.</summary>
    Closed,

    /// <summary>The organiser cancelled the show: off sale, every reservation refunded.</summary>
    Cancelled,
}

/// <summary>Reads and names <see cref="ScheduleState"/>.</summary>
public static class ScheduleStates
{
    /// <summary>The state of <paramref name="schedule"/> at <paramref name="now"/>.</summary>
    public static ScheduleState Of(AdminSchedule schedule, DateTimeOffset now) =>
        schedule.Cancelled ? ScheduleState.Cancelled
        : now < schedule.BookingOpensAt ? ScheduleState.NotYetOpen
        : now < schedule.BookingClosesAt ? ScheduleState.OnSale
        : ScheduleState.Closed;

    /// <summary>The badge's words.</summary>
    public static string Label(this ScheduleState state) => state switch
    {
        ScheduleState.NotYetOpen => "Not yet on sale",
        ScheduleState.OnSale => "On sale",
        ScheduleState.Closed => "Booking closed",
        _ => "Cancelled",
    };

    /// <summary>The badge's Bootstrap colour class.</summary>
    public static string BadgeClass(this ScheduleState state) => state switch
    {
        ScheduleState.NotYetOpen => "text-bg-info",
        ScheduleState.OnSale => "text-bg-success",
        ScheduleState.Closed => "text-bg-secondary",
        _ => "text-bg-danger",
    };
}
