namespace Ticketing.Api.Reservations;

/// <summary>Endpoints of the Reservations feature (API.md).</summary>
public static class ReservationsEndpoints
{
    /// <summary>Maps the feature's routes.</summary>
    public static IEndpointRouteBuilder MapReservationsEndpoints(this IEndpointRouteBuilder app) => app;
}
