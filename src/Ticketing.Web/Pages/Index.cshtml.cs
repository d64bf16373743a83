using Ticketing.Client;
using Ticketing.Web.Services;

namespace Ticketing.Web.Pages;

/// <summary>The concert list (<c>GET /api/concerts</c>, no sign-in needed).</summary>
public class IndexModel(ITicketingApi api) : TicketingPageModel
{
    /// <summary>The concerts on sale.</summary>
    public IReadOnlyList<Concert> Concerts { get; private set; } = [];

    /// <summary>Loads the list.</summary>
    public async Task OnGetAsync()
    {
        var result = await api.GetConcertsAsync(HttpContext.RequestAborted);
        if (result.Problem() is { } problem)
        {
            Error = ErrorMessages.For(problem);
            return;
        }

        Concerts = result.Content!;
    }
}
