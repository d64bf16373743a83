namespace Ticketing.Api.Payments;

/// <summary>Endpoints of the Payments feature (API.md).</summary>
public static class PaymentsEndpoints
{
    /// <summary>Registers the feature's services.</summary>
    public static IServiceCollection AddPayments(this IServiceCollection services) => services;

    /// <summary>Maps the feature's routes.</summary>
    public static IEndpointRouteBuilder MapPaymentsEndpoints(this IEndpointRouteBuilder app) => app;
}
