using Microsoft.AspNetCore.Mvc;
using Ticketing.Client;
using Ticketing.Web.Services;

namespace Ticketing.Web.Pages;

/// <summary>
/// The confirmation before a buyer cancels a reservation ("Cancel seat 12 of … and get 110,000 points back?"), then
/// <c>POST /api/reservations/{id}/cancel</c> with an <c>Idempotency-Key</c> generated when the confirmation is shown: a double submit
/// replays the first answer and refunds once.
/// </summary>
public class CancelReservationModel(ITicketingApi api) : TicketingPageModel
{
    // A second submit that arrives while the first is still running answers 409 IDEMPOTENCY_KEY_IN_FLIGHT; waiting a moment turns it
    // into the first one's answer, replayed.
    private static readonly TimeSpan InFlightRetryDelay = TimeSpan.FromMilliseconds(250);
    private const int InFlightRetries = 8;

    /// <summary>The reservation.</summary>
    [FromRoute]
    public Guid ReservationId { get; set; }

    /// <summary>The idempotency key of this confirmation's form (a GUID, ≤ 255 characters as the Api requires).</summary>
    [BindProperty]
    public string CancelKey { get; set; } = "";

    /// <summary>The reservation being cancelled, as it was before this request's cancel.</summary>
    public Reservation? Reservation { get; private set; }

    /// <summary>Asks for confirmation; a reservation that is cancelled already goes back to the list.</summary>
    public async Task<IActionResult> OnGetAsync()
    {
        if (await LoadAsync() is { } instead)
        {
            return instead;
        }

        if (Reservation!.Status != ApiContract.ReservationStatus.Confirmed)
        {
            Notice = "This reservation is already cancelled.";
            return RedirectToPage("/Reservations");
        }

        CancelKey = Guid.NewGuid().ToString("N");
        return Page();
    }

    /// <summary>Cancels, and goes back to the list with the refund and the new balance; says why when the Api refuses.</summary>
    public async Task<IActionResult> OnPostAsync()
    {
        if (await LoadAsync() is { } instead)
        {
            return instead;
        }

        if (CancelKey is not { Length: > 0 and <= 255 })
        {
            CancelKey = Guid.NewGuid().ToString("N");
        }

        var cancelled = await api.CancelReservationAsync(ReservationId, CancelKey, HttpContext.RequestAborted);
        for (var retry = 0; retry < InFlightRetries && cancelled.Problem() is { Code: ApiContract.ErrorCodes.IdempotencyKeyInFlight }; retry++)
        {
            await Task.Delay(InFlightRetryDelay, HttpContext.RequestAborted);
            cancelled = await api.CancelReservationAsync(ReservationId, CancelKey, HttpContext.RequestAborted);
        }

        if (cancelled.Problem() is { } problem)
        {
            return await HandleProblemAsync(problem) ?? Page();
        }

        Notice = CancellationText.SeatCancelled(Reservation!, cancelled.Content!);
        return RedirectToPage("/Reservations");
    }

    private async Task<IActionResult?> LoadAsync()
    {
        var mine = await api.GetReservationsAsync(HttpContext.RequestAborted);
        if (mine.Problem() is { } problem)
        {
            return await HandleProblemAsync(problem) ?? Page();
        }

        Reservation = mine.Content!.FirstOrDefault(r => r.ReservationId == ReservationId);
        return Reservation is null ? NotFound() : null;
    }
}
