using Microsoft.AspNetCore.Mvc;
using Ticketing.Client;

namespace Ticketing.Web.Pages;

/// <summary>
/// The signed-in user's reservations (<c>GET /api/reservations</c>), confirmed and cancelled (when, and the refund); a confirmed one of a
/// show still to come links to <see cref="CancelReservationModel"/>.
/// </summary>
public class ReservationsModel(ITicketingApi api) : TicketingPageModel
{
    /// <summary>The reservations, newest payment first.</summary>
    public IReadOnlyList<Reservation> Reservations { get; private set; } = [];

    /// <summary>When the page was rendered (UTC): a show that has started can no longer be cancelled (booking closes by its start).</summary>
    public DateTimeOffset Now { get; } = DateTimeOffset.UtcNow;

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
