using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Ticketing.Client;
using Ticketing.Web.Services;

namespace Ticketing.Web.Pages.Organiser;

/// <summary>The organiser's concerts with their shows (<c>GET /api/admin/concerts</c>), and a form to create one (<c>POST /api/admin/concerts</c>).</summary>
public class IndexModel(ITicketingApi api) : TicketingPageModel
{
    /// <summary>The concert's title: 1–200 characters (the Api's rule).</summary>
    [BindProperty, Required(ErrorMessage = "Enter a title."), StringLength(200, ErrorMessage = "Use at most 200 characters.")]
    public string Title { get; set; } = "";

    /// <summary>Who plays: 1–200 characters.</summary>
    [BindProperty, Required(ErrorMessage = "Enter the performer."), StringLength(200, ErrorMessage = "Use at most 200 characters.")]
    public string Performer { get; set; } = "";

    /// <summary>Where: 1–200 characters.</summary>
    [BindProperty, Required(ErrorMessage = "Enter the venue."), StringLength(200, ErrorMessage = "Use at most 200 characters.")]
    public string Venue { get; set; } = "";

    /// <summary>The Api's refusal of the new concert, shown beside its form.</summary>
    public string? FormError { get; private set; }

    /// <summary>The caller's concerts, each with its shows.</summary>
    public IReadOnlyList<AdminConcert> Concerts { get; private set; } = [];

    /// <summary>When the page was rendered, for the shows' states.</summary>
    public DateTimeOffset Now { get; } = DateTimeOffset.UtcNow;

    /// <summary>Lists the concerts.</summary>
    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ?? Page();

    /// <summary>Creates the concert and goes to its page to add the first show; keeps the entries on a refusal.</summary>
    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return await LoadAsync() ?? Page();
        }

        var created = await api.CreateConcertAsync(new NewConcert(Title.Trim(), Performer.Trim(), Venue.Trim()), HttpContext.RequestAborted);
        if (created.Problem() is { } problem)
        {
            if (await HandleProblemAsync(problem) is { } redirect)
            {
                return redirect;
            }

            (FormError, Error) = (Error, null);
            return await LoadAsync() ?? Page();
        }

        Notice = $"“{created.Content!.Title}” is created. Add its first show below.";
        return RedirectToPage("/Organiser/Concert", new { concertId = created.Content.ConcertId });
    }

    private async Task<IActionResult?> LoadAsync()
    {
        var mine = await api.GetMyConcertsAsync(HttpContext.RequestAborted);
        if (mine.Problem() is { } problem)
        {
            return await HandleProblemAsync(problem);
        }

        Concerts = mine.Content!;
        return null;
    }
}
