using Microsoft.AspNetCore.Mvc;
using Ticketing.Client;
using Ticketing.Web.Services;

namespace Ticketing.Web.Pages.Concerts;

/// <summary>The concert's bookable dates (<c>GET /api/concerts/{id}/schedules</c>, needs an ACTIVE pass).</summary>
public class SchedulesModel(ITicketingApi api) : TicketingPageModel
{
    /// <summary>The concert.</summary>
    [FromRoute]
    public Guid ConcertId { get; set; }

    /// <summary>Dates with an open booking window and seats left.</summary>
    public IReadOnlyList<Schedule> Schedules { get; private set; } = [];

    /// <summary>The concert, when the Api lists it.</summary>
    public Concert? Concert { get; private set; }

    /// <summary>Loads the dates; without an ACTIVE pass the caller goes back to the waiting room.</summary>
    public async Task<IActionResult> OnGetAsync()
    {
        var result = await api.GetSchedulesAsync(ConcertId, HttpContext.RequestAborted);
        if (result.Problem() is { } problem)
        {
            return await HandleProblemAsync(problem, ConcertId) ?? Page();
        }

        Schedules = result.Content!;
        Concert = await api.FindConcertAsync(ConcertId, HttpContext.RequestAborted);
        return Page();
    }
}
