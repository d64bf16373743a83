using Microsoft.AspNetCore.Mvc;
using Ticketing.Web.Services;

namespace Ticketing.Web.Pages.Account;

/// <summary>Signs out (POST only, with the anti-forgery token).</summary>
public class SignOutModel : TicketingPageModel
{
    /// <summary>A GET shows nothing to do: back home.</summary>
    public IActionResult OnGet() => RedirectToPage("/Index");

    /// <summary>Forgets the session and every queue token.</summary>
    public async Task<IActionResult> OnPostAsync()
    {
        await UserSession.SignOutAsync(HttpContext);
        Notice = "You are signed out.";
        return RedirectToPage("/Index");
    }
}
