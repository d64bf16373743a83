using Microsoft.AspNetCore.Mvc;
using Ticketing.Client;

namespace Ticketing.Web.Pages.Organiser;

/// <summary>
/// One of the organiser's concerts: its shows, and a form to add one (<c>POST /api/admin/concerts/{id}/schedules</c>) with the booking
/// window and a seat-band editor whose rows are added and removed by the server (no script needed).
/// </summary>
public class ConcertModel(ITicketingApi api) : OrganiserPageModel(api)
{
    /// <summary>The concert.</summary>
    [FromRoute]
    public Guid ConcertId { get; set; }

    /// <summary>The show being added.</summary>
    [BindProperty]
    public ScheduleForm NewShow { get; set; } = new();

    /// <summary>The Api's refusal of the new show (e.g. <c>INVALID_SEAT_MAP</c>), shown beside its form.</summary>
    public string? FormError { get; private set; }

    /// <summary>When the page was rendered (UTC), for the shows' states and the form's hint.</summary>
    public DateTimeOffset Now { get; } = DateTimeOffset.UtcNow;

    /// <summary>Shows the concert with the form at its defaults.</summary>
    public async Task<IActionResult> OnGetAsync()
    {
        NewShow = ScheduleForm.Default(Now);
        return await LoadAsync(ConcertId) ?? Page();
    }

    /// <summary>Adds the show; keeps every entry and says why when the Api refuses it.</summary>
    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return await LoadAsync(ConcertId) ?? Page();
        }

        var created = await Api.CreateScheduleAsync(ConcertId, NewShow.ToRequest(), HttpContext.RequestAborted);
        if (created.Problem() is { } problem)
        {
            if (await HandleProblemAsync(problem) is { } redirect)
            {
                return redirect;
            }

            (FormError, Error) = (Error, null);
            return await LoadAsync(ConcertId) ?? Page();
        }

        Notice = $"Show on {Services.CancellationText.ShowTime(created.Content!.StartsAt)} added with {created.Content.TotalSeats} seats.";
        return RedirectToPage(new { concertId = ConcertId });
    }

    /// <summary>Adds a band row to the editor (nothing is sent to the Api).</summary>
    public async Task<IActionResult> OnPostAddBandAsync()
    {
        ModelState.Clear(); // the inputs show the edited rows, not the values posted under the old row numbers
        NewShow.AddBand();
        return await LoadAsync(ConcertId) ?? Page();
    }

    /// <summary>Removes band row <paramref name="band"/> (0-based) from the editor (nothing is sent to the Api).</summary>
    public async Task<IActionResult> OnPostRemoveBandAsync(int band)
    {
        ModelState.Clear();
        NewShow.RemoveBand(band);
        return await LoadAsync(ConcertId) ?? Page();
    }
}
