using Microsoft.AspNetCore.Mvc;
using Ticketing.Client;
using Ticketing.Web.Services;

namespace Ticketing.Web.Pages.Organiser;

/// <summary>
/// The confirmation before an organiser cancels a show: what it will refund, read from the show's sales (its confirmed reservations
/// and their revenue), then <c>POST /api/admin/schedules/{id}/cancel</c> and back to the show with what the cancel did. The Api cancels
/// a show once: a repeated submit refunds nothing more.
/// </summary>
public class CancelShowModel(ITicketingApi api) : OrganiserPageModel(api)
{
    /// <summary>The concert.</summary>
    [FromRoute]
    public Guid ConcertId { get; set; }

    /// <summary>The show.</summary>
    [FromRoute]
    public Guid ScheduleId { get; set; }

    /// <summary>What cancelling will refund, in words; null when the sales could not be read.</summary>
    public string? Warning { get; private set; }

    /// <summary>Asks for confirmation; a show that is already cancelled goes back to its page.</summary>
    public async Task<IActionResult> OnGetAsync()
    {
        if (await LoadAsync(ConcertId, ScheduleId) is { } instead)
        {
            return instead;
        }

        if (Show!.Cancelled)
        {
            Notice = "This show is already cancelled.";
            return RedirectToPage("/Organiser/Schedule", new { concertId = ConcertId, scheduleId = ScheduleId });
        }

        var sales = await Api.GetSalesAsync(ScheduleId, HttpContext.RequestAborted);
        if (sales.Problem() is { } problem)
        {
            return await HandleProblemAsync(problem) ?? Page();
        }

        Warning = CancellationText.CancelShowWarning(sales.Content!.Sold, sales.Content.Revenue);
        return Page();
    }

    /// <summary>Cancels the show and goes back to its page, which then says what was cancelled and refunded.</summary>
    public async Task<IActionResult> OnPostAsync()
    {
        var cancelled = await Api.CancelScheduleAsync(ScheduleId, HttpContext.RequestAborted);
        if (cancelled.Problem() is { } problem)
        {
            return await HandleProblemAsync(problem) ?? await LoadAsync(ConcertId, ScheduleId) ?? Page();
        }

        Notice = CancellationText.ShowCancelled(cancelled.Content!);
        return RedirectToPage("/Organiser/Schedule", new { concertId = ConcertId, scheduleId = ScheduleId });
    }
}
