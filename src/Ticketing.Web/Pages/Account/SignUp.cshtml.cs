using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Ticketing.Client;
using Ticketing.Web.Services;

namespace Ticketing.Web.Pages.Account;

/// <summary>Create an account (<c>POST /api/users</c>) and sign in with it.</summary>
public class SignUpModel(ITicketingApi api) : TicketingPageModel
{
    /// <summary>3–32 letters, digits, <c>.</c>, <c>-</c>, <c>_</c> (the Api's rule).</summary>
    [BindProperty, Required(ErrorMessage = "Choose a name."), RegularExpression(@"^[A-Za-z0-9_.\-]{3,32}$", ErrorMessage = "Names are 3 to 32 letters, digits, dots, dashes or underscores.")]
    public string Name { get; set; } = "";

    /// <summary>8–128 characters.</summary>
    [BindProperty, Required(ErrorMessage = "Choose a password."), StringLength(128, MinimumLength = 8, ErrorMessage = "Use 8 to 128 characters."), DataType(DataType.Password)]
    public string Password { get; set; } = "";

    /// <summary>The ALTCHA widget's payload (<see cref="JoinChallengeRelay.FieldName"/>), passed on as <c>X-Challenge-Solution</c>; absent while the challenge is off.</summary>
    [BindProperty]
    public string? ChallengeSolution { get; set; }

    /// <summary>Where to go afterwards (local paths only).</summary>
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>Creates the account, signs in, and goes on.</summary>
    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var credentials = new Credentials(Name, Password);
        var created = await api.SignUpAsync(credentials, ChallengeSolution, HttpContext.RequestAborted);
        if (created.Problem() is { } problem)
        {
            Error = ErrorMessages.For(problem);
            return Page();
        }

        var token = await api.SignInAsync(credentials, HttpContext.RequestAborted);
        if (token.Problem() is { } signInProblem)
        {
            Error = ErrorMessages.For(signInProblem);
            return Page();
        }

        if (await UserSession.SignInAsync(HttpContext, api, token.Content!) is { } meProblem)
        {
            Error = ErrorMessages.For(meProblem);
            return Page();
        }

        Notice = $"Welcome, {Name}! Top up your points under Balance, then pick a concert.";
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
    }
}
