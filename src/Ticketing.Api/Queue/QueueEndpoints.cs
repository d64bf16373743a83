namespace Ticketing.Api.Queue;

/// <summary>Endpoints of the Queue feature (API.md).</summary>
public static class QueueEndpoints
{
    /// <summary>Registers the feature's services.</summary>
    public static IServiceCollection AddWaitingRoom(this IServiceCollection services) => services;

    /// <summary>Maps the feature's routes.</summary>
    public static IEndpointRouteBuilder MapQueueEndpoints(this IEndpointRouteBuilder app) => app;
}
