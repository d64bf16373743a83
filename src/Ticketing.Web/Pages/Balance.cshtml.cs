using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Ticketing.Client;

namespace Ticketing.Web.Pages;

/// <summary>The point balance, a top-up form (<c>POST /api/balance/charges</c> with an <c>Idempotency-Key</c>) and the history.</summary>
public class BalanceModel(ITicketingApi api) : TicketingPageModel
{
    /// <summary>Points to add: 1 to 10,000,000 (the Api's per-charge maximum).</summary>
    [BindProperty, Required(ErrorMessage = "Enter an amount."), Range(1, 10_000_000, ErrorMessage = "Enter a whole number of points from 1 to 10,000,000.")]
    public long? Amount { get; set; }

    /// <summary>The idempotency key of this page's top-up form.</summary>
    [BindProperty]
    public string ChargeKey { get; set; } = "";

    /// <summary>Where to go back to after a top-up (e.g. the hold being paid); local paths only.</summary>
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>Current balance in points.</summary>
    public long? Balance { get; private set; }

    /// <summary>Recent changes, newest first.</summary>
    public IReadOnlyList<HistoryEntry> History { get; private set; } = [];

    /// <summary>Shows the balance and history.</summary>
    public async Task<IActionResult> OnGetAsync()
    {
        ChargeKey = Guid.NewGuid().ToString("N");
        return await LoadAsync() ?? Page();
    }

    /// <summary>Adds <see cref="Amount"/> points.</summary>
    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return await LoadAsync() ?? Page();
        }

        var result = await api.ChargeAsync(new ChargeRequest(Amount!.Value), ChargeKey is { Length: > 0 and <= 255 } ? ChargeKey : Guid.NewGuid().ToString("N"),
            HttpContext.RequestAborted);
        if (result.Problem() is { } problem)
        {
            var redirect = await HandleProblemAsync(problem);
            if (redirect is not null)
            {
                return redirect;
            }

            var error = Error;
            ChargeKey = Guid.NewGuid().ToString("N");
            var loadRedirect = await LoadAsync();
            Error = error;
            return loadRedirect ?? Page();
        }

        Notice = $"Added {Amount:N0} points. Balance: {result.Content!.Balance:N0} points.";
        return Url.IsLocalUrl(ReturnUrl) ? LocalRedirect(ReturnUrl!) : RedirectToPage();
    }

    private async Task<IActionResult?> LoadAsync()
    {
        var balance = await api.GetBalanceAsync(HttpContext.RequestAborted);
        if (balance.Problem() is { } problem)
        {
            return await HandleProblemAsync(problem);
        }

        Balance = balance.Content!.Balance;
        var history = await api.GetHistoryAsync(limit: 50, cancellationToken: HttpContext.RequestAborted);
        History = history.Content ?? [];
        return null;
    }
}
