using Ticketing.Client;
using Ticketing.ServiceDefaults;

namespace Ticketing.Web.Services;

/// <summary>
/// The Web's side of the join challenge (API.md "Limits, challenges and the pre-queue"). The browser solves it, never the Web: the
/// sign-up and join forms carry the ALTCHA widget (<c>Pages/Shared/_JoinChallenge.cshtml</c>, vendored in <c>wwwroot/lib/altcha</c>)
/// while <see cref="ChallengeOptions.Enabled"/>; the widget fetches its challenge from <see cref="Path"/> on the Web (the browser talks
/// to the Web only), which relays <c>GET /api/challenge</c>, and posts the solution in the form field <see cref="FieldName"/>, which the
/// page passes on as <c>X-Challenge-Solution</c>.
/// </summary>
public static class JoinChallengeRelay
{
    /// <summary>The Web's address of a new challenge (anonymous <c>GET</c>; the widget's <c>challenge</c> attribute).</summary>
    public const string Path = "/challenge";

    /// <summary>The form field the widget writes its payload to (its <c>name</c> attribute), bound by the pages as <c>ChallengeSolution</c>.</summary>
    public const string FieldName = "ChallengeSolution";

    /// <summary>Binds and validates <see cref="ChallengeOptions"/> (<c>Ticketing:Challenge</c>, which the AppHost passes to every service).</summary>
    public static IServiceCollection AddJoinChallenge(this IServiceCollection services)
    {
        services.AddOptions<ChallengeOptions>().BindConfiguration(ChallengeOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }

    /// <summary>
    /// Maps <see cref="Path"/>: the Api's challenge as it came (<c>Cache-Control: no-store</c>), or 503 when the Api does not answer, which
    /// the widget shows as its own "verification failed" state and the person can retry.
    /// </summary>
    public static IEndpointRouteBuilder MapJoinChallenge(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, async (ITicketingApi api, HttpContext http) =>
        {
            var challenge = await api.GetChallengeAsync(http.RequestAborted);
            http.Response.Headers.CacheControl = "no-store";
            return challenge.IsSuccessful && challenge.Content is { } content
                ? Results.Json(content)
                : Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }).AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}
