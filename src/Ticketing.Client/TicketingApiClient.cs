using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Refit;

namespace Ticketing.Client;

/// <summary>
/// How to get an <see cref="ITicketingApi"/>: registered with IHttpClientFactory for a service, or made over an
/// <see cref="HttpClient"/> of your own (tests, tools). Both use the same Refit settings: System.Text.Json with web
/// defaults (camelCase, as API.md says).
/// </summary>
public static class TicketingApiClient
{
    /// <summary>
    /// <c>http://api</c>: the Api by its resource name, resolved by .NET service discovery from the
    /// <c>services__api__http__0</c> variable the AppHost sets (Aspire's convention). It only resolves where service
    /// discovery is added to the client (ServiceDefaults' <c>ConfigureHttpClientDefaults</c>).
    /// </summary>
    public static Uri DefaultBaseAddress { get; } = new("http://api");

    /// <summary>New Refit settings for the Api: System.Text.Json web defaults (camelCase, case-insensitive reading).</summary>
    public static RefitSettings CreateSettings() => new(new SystemTextJsonContentSerializer(JsonSerializerOptions.Web));

    /// <summary>
    /// A client over <paramref name="http"/>, whose <see cref="HttpClient.BaseAddress"/> must be the Api's root URL
    /// (e.g. <c>http://127.0.0.1:5180</c>). Tokens are whatever handlers <paramref name="http"/> was built with attach.
    /// </summary>
    public static ITicketingApi Create(HttpClient http) => RestService.ForGenerated<ITicketingApi>(http, CreateSettings());

    /// <summary>
    /// Registers <see cref="ITicketingApi"/> as a typed client of IHttpClientFactory with base address
    /// <paramref name="baseAddress"/> (default <see cref="DefaultBaseAddress"/>). The returned builder is where the caller
    /// adds the <see cref="DelegatingHandler"/> that attaches its access token and queue token, and any timeout of its own;
    /// resilience and service discovery come from the service's <c>ConfigureHttpClientDefaults</c>.
    /// </summary>
    /// <remarks>
    /// Refit 16's <c>AddRefitClient</c> builds requests by reflection, which needs the separate Refit.Reflection package
    /// (it fails at the first resolve without it); <c>AddRefitGeneratedClient</c> is the same registration over the
    /// implementation Refit's source generator wrote at build time, with no reflection fallback.
    /// </remarks>
    public static IHttpClientBuilder AddTicketingApiClient(this IServiceCollection services, Uri? baseAddress = null) =>
        services.AddRefitGeneratedClient<ITicketingApi>(CreateSettings())
            .ConfigureHttpClient(http => http.BaseAddress = baseAddress ?? DefaultBaseAddress);
}
