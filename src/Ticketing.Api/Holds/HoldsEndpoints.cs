namespace Ticketing.Api.Holds;

/// <summary>Endpoints of the Holds feature (API.md).</summary>
public static class HoldsEndpoints
{
    /// <summary>Registers the feature's services.</summary>
    public static IServiceCollection AddHolds(this IServiceCollection services) => services;

    /// <summary>Maps the feature's routes.</summary>
    public static IEndpointRouteBuilder MapHoldsEndpoints(this IEndpointRouteBuilder app) => app;
}
