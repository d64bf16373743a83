using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Ticketing.Client;
using Ticketing.Web.Services;

namespace Ticketing.Web.Pages.Account;

/// <summary>Sign in with name and password (<c>POST /api/auth/token</c>, then <c>GET /api/users/me</c> for the roles).</summary>
public class SignInModel(ITicketingApi api) : TicketingPageModel
{
    /// <summary>The account name.</summary>
    [BindProperty, Required(ErrorMessage = "Enter your name."), StringLength(32)]
    public string Name { get; set; } = "";

    /// <summary>The password.</summary>
    [BindProperty, Required(ErrorMessage = "Enter your password."), StringLength(128), DataType(DataType.Password)]
    public string Password { get; set; } = "";

    /// <summary>Where to go after signing in (local paths only).</summary>
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>Signs in and goes back to <see cref="ReturnUrl"/> or the concert list.</summary>
    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var token = await api.SignInAsync(new Credentials(Name.Trim(), Password), HttpContext.RequestAborted);
        if (token.Problem() is { } problem)
        {
            Error = ErrorMessages.For(problem);
            return Page();
        }

        if (await UserSession.SignInAsync(HttpContext, api, token.Content!) is { } meProblem)
        {
            Error = ErrorMessages.For(meProblem);
            return Page();
        }

        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
    }
}
