using Microsoft.AspNetCore.Mvc;
using Ticketing.Client;

namespace Ticketing.Web.Pages.Organiser;

/// <summary>
/// Base of the organiser pages (the folder's <see cref="Services.UserSession.OrganiserPolicy"/> lets only organisers in): finds the
/// concert, and the show, of the route among the caller's own (<c>GET /api/admin/concerts</c>; the Api has no single-concert route).
/// Another organiser's concert is not among them and answers 404, as the Api does.
/// </summary>
public abstract class OrganiserPageModel(ITicketingApi api) : TicketingPageModel
{
    /// <summary>The typed Api client; the caller's access token is attached by <see cref="Services.ApiTokensHandler"/>.</summary>
    protected ITicketingApi Api => api;

    /// <summary>The concert of the route, once loaded.</summary>
    public AdminConcert? Concert { get; private set; }

    /// <summary>The show of the route, on pages about one show, once loaded.</summary>
    public AdminSchedule? Show { get; private set; }

    /// <summary><see cref="Concert"/> as the shared concert heading (<c>_ConcertHeading</c>) takes it.</summary>
    public Concert? Heading => Concert is { } c ? new Concert(c.ConcertId, c.Title, c.Performer, c.Venue) : null;

    /// <summary>
    /// Loads <see cref="Concert"/> (and <see cref="Show"/> when <paramref name="scheduleId"/> is given). Returns what to answer instead
    /// of the page: 404 when the caller has no such concert or show, a redirect for an ended sign-in, or the page with
    /// <see cref="TicketingPageModel.Error"/> set when the Api answered another problem; null when both were found.
    /// </summary>
    protected async Task<IActionResult?> LoadAsync(Guid concertId, Guid? scheduleId = null)
    {
        var mine = await api.GetMyConcertsAsync(HttpContext.RequestAborted);
        if (mine.Problem() is { } problem)
        {
            return await HandleProblemAsync(problem) ?? Page();
        }

        Concert = mine.Content!.FirstOrDefault(c => c.ConcertId == concertId);
        if (Concert is null)
        {
            return NotFound();
        }

        if (scheduleId is { } id)
        {
            Show = Concert.Schedules?.FirstOrDefault(s => s.ScheduleId == id);
            if (Show is null)
            {
                return NotFound();
            }
        }

        return null;
    }
}
