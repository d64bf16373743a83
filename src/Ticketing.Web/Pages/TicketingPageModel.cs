using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Ticketing.Client;
using Ticketing.Web.Services;

namespace Ticketing.Web.Pages;

/// <summary>
/// Base of the pages: a friendly error line, a one-time notice (TempData), and what to do with an Api problem — sign
/// out on 401 <c>UNAUTHORIZED</c>, back to the waiting room on a queue-token problem, otherwise show the sentence from
/// <see cref="ErrorMessages"/>. Pages call <see cref="ITicketingApi"/> without tokens: <see cref="ApiTokensHandler"/>
/// attaches the user's access token and the queue token of the route's concert.
/// </summary>
public abstract class TicketingPageModel : PageModel
{
    /// <summary>The error to show on this rendering, in words a person understands.</summary>
    public string? Error { get; set; }

    /// <summary>A one-time notice carried over a redirect (e.g. "Paid!").</summary>
    [TempData]
    public string? Notice { get; set; }

    /// <summary>
    /// The response for <paramref name="problem"/>: a redirect for expired sign-ins and ended queue passes, or null
    /// after setting <see cref="Error"/> (the caller then renders the page).
    /// </summary>
    protected async Task<IActionResult?> HandleProblemAsync(ApiProblem problem, Guid? concertId = null)
    {
        if (problem.Code == ApiContract.ErrorCodes.Unauthorized)
        {
            await UserSession.SignOutAsync(HttpContext);
            Notice = "Your session has ended. Please sign in again.";
            return RedirectToPage("/Account/SignIn", new { returnUrl = Request.Path + Request.QueryString });
        }

        if (concertId is { } concert && ApiContract.ErrorCodes.IsQueueTokenProblem(problem.Code))
        {
            if (problem.Code != ApiContract.ErrorCodes.QueueTokenNotActive)
            {
                UserSession.ClearQueueToken(HttpContext, concert);
            }

            Notice = ErrorMessages.For(problem);
            return RedirectToPage("/Concerts/Queue", new { concertId = concert });
        }

        Error = ErrorMessages.For(problem);
        return null;
    }
}
