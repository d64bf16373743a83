using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Ticketing.Api.Auth;
using Ticketing.Api.Data;

namespace Ticketing.Api.Reservations;

/// <summary>An item of <c>GET /api/reservations</c>.</summary>
public sealed class ReservationView
{
    /// <summary>Id.</summary>
    public Guid ReservationId { get; init; }

    /// <summary>The concert's title.</summary>
    public string ConcertTitle { get; init; } = "";

    /// <summary>Show time (UTC).</summary>
    public DateTimeOffset StartsAt { get; init; }

    /// <summary>1..50.</summary>
    public int SeatNumber { get; init; }

    /// <summary>Seat grade.</summary>
    public string Grade { get; init; } = "";

    /// <summary>Points paid.</summary>
    public long Price { get; init; }

    /// <summary>Always <c>CONFIRMED</c> (a reservation exists only once paid).</summary>
    public string Status { get; init; } = "";

    /// <summary>When it was paid (UTC).</summary>
    public DateTimeOffset PaidAt { get; init; }
}

/// <summary>The caller's confirmed reservations (API.md "Reservations").</summary>
public static class ReservationsEndpoints
{
    /// <summary>Maps <c>GET /api/reservations</c>.</summary>
    public static IEndpointRouteBuilder MapReservationsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/reservations", List).WithTags("Reservations").RequireAuthorization().WithSummary("My reservations");
        return app;
    }

    /// <summary>The caller's reservations, newest payment first.</summary>
    public static async Task<Ok<ReservationView[]>> List(HttpContext http, TicketingDbContext db)
    {
        var userId = http.User.GetUserId();
        var rows = await db.Reservations.AsNoTracking()
            .Where(r => r.UserId == userId)
            .OrderByDescending(r => r.PaidAt).ThenBy(r => r.Id)
            .Select(r => new ReservationView
            {
                ReservationId = r.Id,
                ConcertTitle = r.Seat.Schedule.Concert.Title,
                StartsAt = r.Seat.Schedule.StartsAt,
                SeatNumber = r.SeatNumber,
                Grade = r.Seat.Grade,
                Price = r.Price,
                Status = r.Status,
                PaidAt = r.PaidAt,
            })
            .ToArrayAsync();
        return TypedResults.Ok(rows);
    }
}
