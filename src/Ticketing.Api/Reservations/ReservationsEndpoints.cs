using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Ticketing.Api.Auth;

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
    public static async Task<Ok<ReservationView[]>> List(HttpContext http, NpgsqlDataSource db)
    {
        await using var connection = await db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<ReservationView>("""
            SELECT r.id AS ReservationId, c.title AS ConcertTitle, s.starts_at AS StartsAt, r.seat_number AS SeatNumber,
                   st.grade, r.price, r.status, r.paid_at AS PaidAt
            FROM reservations r
            JOIN schedules s ON s.id = r.schedule_id
            JOIN concerts c ON c.id = s.concert_id
            JOIN seats st ON st.schedule_id = r.schedule_id AND st.seat_number = r.seat_number
            WHERE r.user_id = @userId
            ORDER BY r.paid_at DESC, r.id
            """, new { userId = http.User.GetUserId() });
        return TypedResults.Ok(rows.ToArray());
    }
}
