namespace Ticketing.Api.Catalog;

/// <summary>Endpoints of the Catalog feature (API.md).</summary>
public static class CatalogEndpoints
{
    /// <summary>Registers the feature's services.</summary>
    public static IServiceCollection AddCatalog(this IServiceCollection services) => services;

    /// <summary>Maps the feature's routes.</summary>
    public static IEndpointRouteBuilder MapCatalogEndpoints(this IEndpointRouteBuilder app) => app;
}
