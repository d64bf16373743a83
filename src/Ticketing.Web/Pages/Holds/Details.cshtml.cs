using Microsoft.AspNetCore.Mvc;
using Ticketing.Client;
using Ticketing.Web.Services;

namespace Ticketing.Web.Pages.Holds;

/// <summary>
/// A held seat (under the concert's name and the show time) with a live countdown, the balance, and Pay (<c>POST /api/payments</c> with an <c>Idempotency-Key</c>
/// generated when the page is rendered, so a double click or a resubmitted form replays instead of paying twice) or Release.
/// </summary>
public class DetailsModel(ITicketingApi api) : TicketingPageModel
{
    /// <summary>The concert (its queue pass is needed to pay).</summary>
    [FromRoute]
    public Guid ConcertId { get; set; }

    /// <summary>The hold.</summary>
    [FromRoute]
    public Guid HoldId { get; set; }

    /// <summary>The idempotency key of this page's Pay form.</summary>
    [BindProperty]
    public string PaymentKey { get; set; } = "";

    /// <summary>The live hold, or null when it has ended.</summary>
    public Hold? Hold { get; private set; }

    /// <summary>The user's balance in points.</summary>
    public long? Balance { get; private set; }

    /// <summary>The concert the seat is for, when the Api lists it.</summary>
    public Concert? Concert { get; private set; }

    /// <summary>Shows the hold.</summary>
    public async Task<IActionResult> OnGetAsync()
    {
        PaymentKey = Guid.NewGuid().ToString("N");
        return await LoadAsync() ?? Page();
    }

    /// <summary>Pays; on success goes to the reservations, on 402 stays with the hold kept.</summary>
    public async Task<IActionResult> OnPostPayAsync()
    {
        if (PaymentKey is not { Length: > 0 and <= 255 })
        {
            PaymentKey = Guid.NewGuid().ToString("N");
        }

        var result = await api.PayAsync(new PaymentRequest(HoldId), PaymentKey, HttpContext.RequestAborted);
        if (result.Problem() is { } problem)
        {
            var redirect = await HandleProblemAsync(problem, ConcertId);
            if (redirect is not null)
            {
                return redirect;
            }

            var error = Error;
            PaymentKey = Guid.NewGuid().ToString("N"); // a retry after a failure is a new attempt
            var loadRedirect = await LoadAsync();
            Error = error;
            return loadRedirect ?? Page();
        }

        // The pass ends with the last held seat of the concert; then the next booking starts with a new place in line.
        if (UserSession.QueueToken(HttpContext, ConcertId) is not null
            && (await api.GetQueueStatusAsync(ConcertId, HttpContext.RequestAborted)).Content is not { Status: ApiContract.QueueStatus.Active })
        {
            UserSession.ClearQueueToken(HttpContext, ConcertId);
        }
        Notice = $"Paid {result.Content!.Amount:N0} points — your seat is confirmed. Balance: {result.Content.Balance:N0} points.";
        return RedirectToPage("/Reservations");
    }

    /// <summary>Releases the seat at once.</summary>
    public async Task<IActionResult> OnPostReleaseAsync()
    {
        var result = await api.ReleaseHoldAsync(HoldId, HttpContext.RequestAborted);
        if (result.Problem() is { } problem)
        {
            return await HandleProblemAsync(problem, ConcertId) ?? await LoadAsync() ?? Page();
        }

        Notice = "Seat released.";
        return RedirectToPage("/Concerts/Schedules", new { concertId = ConcertId });
    }

    private async Task<IActionResult?> LoadAsync()
    {
        var hold = await api.GetHoldAsync(HoldId, HttpContext.RequestAborted);
        var balance = await api.GetBalanceAsync(HttpContext.RequestAborted);
        if (hold.Problem() is { Code: not ApiContract.ErrorCodes.HoldNotFound } problem)
        {
            return await HandleProblemAsync(problem, ConcertId);
        }

        Hold = hold.Content;
        Balance = balance.Content?.Balance;
        Concert = await api.FindConcertAsync(ConcertId, HttpContext.RequestAborted);
        return null;
    }
}
