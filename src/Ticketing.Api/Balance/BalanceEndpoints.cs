namespace Ticketing.Api.Balance;

/// <summary>Endpoints of the Balance feature (API.md).</summary>
public static class BalanceEndpoints
{
    /// <summary>Registers the feature's services.</summary>
    public static IServiceCollection AddBalance(this IServiceCollection services) => services;

    /// <summary>Maps the feature's routes.</summary>
    public static IEndpointRouteBuilder MapBalanceEndpoints(this IEndpointRouteBuilder app) => app;
}
