using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Ticketing.Web.Pages.Account;

/// <summary>
/// Where cookie authentication sends a signed-in person that a page's policy refuses (today only <see cref="Services.UserSession.OrganiserPolicy"/>):
/// answered with 403, so the refusal is a refusal for browsers and scripts alike.
/// </summary>
public class AccessDeniedModel : PageModel
{
    /// <summary>Says why, with status 403.</summary>
    public void OnGet() => Response.StatusCode = StatusCodes.Status403Forbidden;
}
