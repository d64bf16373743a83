using Microsoft.AspNetCore.Mvc;
using Ticketing.Client;
using Ticketing.Web.Services;

namespace Ticketing.Web.Pages.Organiser;

/// <summary>
/// One show for its organiser: the sales (<c>GET /api/admin/schedules/{id}/sales</c>), rendered with the page and refreshed every
/// <see cref="RefreshSeconds"/> s by wwwroot/js/sales-refresh.js through the <c>Sales</c> handler; the booking window form
/// (<c>PATCH /api/admin/schedules/{id}</c>); and the way to cancel the show (<see cref="CancelShowModel"/>). A cancelled show keeps
/// its final figures and offers neither form.
/// </summary>
public class ScheduleModel(ITicketingApi api) : OrganiserPageModel(api)
{
    /// <summary>How often the page's script reads the sales again, in seconds.</summary>
    public const int RefreshSeconds = 3;

    /// <summary>The concert.</summary>
    [FromRoute]
    public Guid ConcertId { get; set; }

    /// <summary>The show.</summary>
    [FromRoute]
    public Guid ScheduleId { get; set; }

    /// <summary>The booking window being changed.</summary>
    [BindProperty]
    public BookingWindowForm Window { get; set; } = new();

    /// <summary>The Api's refusal of the new window (e.g. <c>INVALID_BOOKING_WINDOW</c>), shown beside its form.</summary>
    public string? FormError { get; private set; }

    /// <summary>The show's sales as the page was rendered.</summary>
    public SalesView? Sales { get; private set; }

    /// <summary>When the page was rendered (UTC).</summary>
    public DateTimeOffset Now { get; } = DateTimeOffset.UtcNow;

    /// <summary>The show's state at <see cref="Now"/>; null until it is loaded.</summary>
    public ScheduleState? State => Show is { } show ? ScheduleStates.Of(show, Now) : null;

    /// <summary>Shows the sales and the forms.</summary>
    public async Task<IActionResult> OnGetAsync()
    {
        if (await LoadAsync(ConcertId, ScheduleId) is { } instead)
        {
            return instead;
        }

        Window = BookingWindowForm.Of(Show!);
        Sales = await ReadSalesAsync();
        return Page();
    }

    /// <summary>The sales alone (<c>_Sales.cshtml</c>), for the page's script; always 200, with the Api's refusal in words when it refuses.</summary>
    public async Task<IActionResult> OnGetSalesAsync() => Partial("_Sales", await ReadSalesAsync());

    /// <summary>Moves the booking window; keeps the entries and says why when the Api refuses.</summary>
    public async Task<IActionResult> OnPostWindowAsync()
    {
        if (await LoadAsync(ConcertId, ScheduleId) is { } instead)
        {
            return instead;
        }

        if (ModelState.IsValid)
        {
            var changed = await Api.ChangeBookingWindowAsync(ScheduleId, Window.ToRequest(), HttpContext.RequestAborted);
            if (changed.Problem() is { } problem)
            {
                if (await HandleProblemAsync(problem) is { } redirect)
                {
                    return redirect;
                }

                (FormError, Error) = (Error, null);
            }
            else
            {
                Notice = $"Booking now opens {CancellationText.ShowTime(changed.Content!.BookingOpensAt)} and closes {CancellationText.ShowTime(changed.Content.BookingClosesAt)}.";
                return RedirectToPage(new { concertId = ConcertId, scheduleId = ScheduleId });
            }
        }

        Sales = await ReadSalesAsync();
        return Page();
    }

    private async Task<SalesView> ReadSalesAsync()
    {
        var sales = await Api.GetSalesAsync(ScheduleId, HttpContext.RequestAborted);
        return new SalesView(sales.Content, sales.Problem() is { } problem ? ErrorMessages.For(problem) : null, DateTimeOffset.UtcNow);
    }
}
