using Microsoft.AspNetCore.Mvc;
using Ticketing.Client;
using Ticketing.Web.Services;

namespace Ticketing.Web.Pages.Concerts;

/// <summary>
/// The 50-seat map of one date, with grade, price and status, under the concert's name and the show time; clicking a free seat
/// holds it (<c>POST /api/holds</c>).
/// </summary>
public class SeatsModel(ITicketingApi api) : TicketingPageModel
{
    /// <summary>The concert (its queue pass is used).</summary>
    [FromRoute]
    public Guid ConcertId { get; set; }

    /// <summary>The date.</summary>
    [FromRoute]
    public Guid ScheduleId { get; set; }

    /// <summary>Seats 1..50.</summary>
    public IReadOnlyList<Seat> Seats { get; private set; } = [];

    /// <summary>The concert, when the Api lists it.</summary>
    public Concert? Concert { get; private set; }

    /// <summary>
    /// The show time, from the concert's bookable dates (<c>GET …/schedules</c>); null when the date is not among them any more
    /// (its window closed, or no seat is free).
    /// </summary>
    public DateTimeOffset? StartsAt { get; private set; }

    /// <summary>Loads the seat map.</summary>
    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ?? Page();

    /// <summary>Holds <paramref name="seatNumber"/> and goes to the hold's page with its countdown.</summary>
    public async Task<IActionResult> OnPostHoldAsync(int seatNumber)
    {
        var result = await api.HoldSeatAsync(new HoldRequest(ScheduleId, seatNumber), HttpContext.RequestAborted);
        if (result.Problem() is { } problem)
        {
            return await HandleProblemAsync(problem, ConcertId) ?? await LoadAsync() ?? Page();
        }

        return RedirectToPage("/Holds/Details", new { concertId = ConcertId, holdId = result.Content!.HoldId });
    }

    private async Task<IActionResult?> LoadAsync()
    {
        var result = await api.GetSeatsAsync(ScheduleId, HttpContext.RequestAborted);
        if (result.Problem() is { } problem)
        {
            var error = Error;
            var redirect = await HandleProblemAsync(problem, ConcertId);
            Error = error ?? Error;
            return redirect;
        }

        Seats = result.Content!;
        var schedules = api.GetSchedulesAsync(ConcertId, HttpContext.RequestAborted);
        Concert = await api.FindConcertAsync(ConcertId, HttpContext.RequestAborted);
        StartsAt = (await schedules).Content?.FirstOrDefault(s => s.ScheduleId == ScheduleId)?.StartsAt;
        return null;
    }
}
