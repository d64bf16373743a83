using Microsoft.AspNetCore.Mvc;
using Ticketing.Client;

namespace Ticketing.Web.Pages;

/// <summary>The signed-in user's confirmed reservations (<c>GET /api/reservations</c>).</summary>
public class ReservationsModel(ITicketingApi api) : TicketingPageModel
{
    /// <summary>The reservations.</summary>
    public IReadOnlyList<Reservation> Reservations { get; private set; } = [];

    /// <summary>Loads them.</summary>
    public async Task<IActionResult> OnGetAsync()
    {
        var result = await api.GetReservationsAsync(HttpContext.RequestAborted);
        if (result.Problem() is { } problem)
        {
            return await HandleProblemAsync(problem) ?? Page();
        }

        Reservations = result.Content!;
        return Page();
    }
}
