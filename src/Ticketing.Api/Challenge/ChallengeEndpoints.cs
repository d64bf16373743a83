using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Ticketing.Api.Auth;
using Ticketing.Api.Infrastructure;
using Ticketing.ServiceDefaults;

namespace Ticketing.Api.Challenge;

/// <summary>
/// The join challenge (API.md "Limits, challenges and the pre-queue"; issue 19 item 4, friction for bots at the door):
/// <c>GET /api/challenge</c> hands out ALTCHA challenges, and <see cref="RequireChallenge"/> puts <see cref="ChallengeFilter"/> on the
/// routes that need a solution in <see cref="HeaderName"/> — sign-up and joining a queue.
/// </summary>
public static class ChallengeEndpoints
{
    /// <summary>The request header that carries a solution: the widget's payload, base64 of its JSON.</summary>
    public const string HeaderName = "X-Challenge-Solution";

    /// <summary>The format, for the OpenAPI document (the route's description and the header's).</summary>
    public const string FormatDescription =
        "ALTCHA proof of work, version 2 (the altcha 3.x widget; altcha-lib 2.x on npm), deterministic mode with key signatures. "
        + "The answer is {parameters: {algorithm: \"PBKDF2/SHA-256\", cost, expiresAt (unix s), keyLength: 32, keyPrefix, keySignature, "
        + "nonce, salt}, signature}; keyPrefix, keySignature, nonce, salt and signature are lowercase hex. Solve it by trying counters "
        + "n = 0, 1, 2, … until PBKDF2-HMAC-SHA256(password = hex-decoded nonce followed by n as 4 big-endian bytes, salt = hex-decoded "
        + "salt, iterations = cost, 32 bytes) starts with the bytes of keyPrefix. Send base64 of the JSON {challenge: {parameters, "
        + "signature} exactly as received, solution: {counter: n, derivedKey: lowercase hex of the 32 bytes}} in the X-Challenge-Solution "
        + "header of POST /api/users or POST /api/concerts/{concertId}/queue, before expiresAt. A solution is accepted once; missing: "
        + "403 CHALLENGE_REQUIRED; malformed, forged, expired, wrong or already used: 403 CHALLENGE_INVALID. The difficulty and lifetime "
        + "are Ticketing:Challenge:MaxNumber, :Cost and :Lifetime; with Ticketing:Challenge:Enabled=false no route asks for a solution.";

    /// <summary>Binds and validates <see cref="ChallengeOptions"/> at start-up; registers the scheme (keyed from the token signing key), the service and the filter.</summary>
    public static IServiceCollection AddJoinChallenge(this IServiceCollection services)
    {
        services.AddOptions<ChallengeOptions>().BindConfiguration(ChallengeOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => AltchaScheme.FromSigningKey(sp.GetRequiredService<TokenSigning>().Key.Key));
        services.AddSingleton<JoinChallenge>();
        services.AddSingleton<ChallengeFilter>();
        return services;
    }

    /// <summary>Maps <c>GET /api/challenge</c> (anonymous).</summary>
    public static IEndpointRouteBuilder MapChallengeEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/challenge", Get).WithTags("Challenge").WithName("GetChallenge")
            .WithSummary("A proof-of-work challenge to solve before signing up or joining a queue")
            .WithDescription(FormatDescription);
        return app;
    }

    /// <summary>
    /// Puts <see cref="ChallengeFilter"/> on the route (before its handler runs, so a refusal writes nothing) and describes the header
    /// and the 403 in the OpenAPI document.
    /// </summary>
    public static RouteHandlerBuilder RequireChallenge(this RouteHandlerBuilder route) =>
        route.AddEndpointFilter<ChallengeFilter>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = HeaderName,
                    In = ParameterLocation.Header,
                    Required = false,
                    Description = "A solved challenge of GET /api/challenge (see there), needed while Ticketing:Challenge:Enabled is true (the "
                        + "default): missing, 403 CHALLENGE_REQUIRED; not valid or already used, 403 CHALLENGE_INVALID.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
                return Task.CompletedTask;
            });

    /// <summary>
    /// A new challenge (<see cref="JoinChallenge.Issue"/>), also while the challenge is off, so a client never has to know.
    /// <c>Cache-Control: no-store</c>: every answer is a different challenge.
    /// </summary>
    public static Ok<AltchaChallenge> Get(JoinChallenge challenge, HttpContext http)
    {
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(challenge.Issue());
    }
}

/// <summary>
/// The gate of the routes that need a solved challenge (<see cref="ChallengeEndpoints.RequireChallenge"/>): when
/// <see cref="ChallengeOptions.Enabled"/>, the request goes on to its handler only if <see cref="JoinChallenge.RedeemAsync"/> accepts
/// its <c>X-Challenge-Solution</c>; otherwise 403 <c>CHALLENGE_REQUIRED</c> (no header) or <c>CHALLENGE_INVALID</c>, and the handler
/// never runs. Endpoint filters run after authentication and authorization, so an anonymous join is still a 401.
/// </summary>
public sealed class ChallengeFilter(JoinChallenge challenge, IOptions<ChallengeOptions> options) : IEndpointFilter
{
    /// <inheritdoc />
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!options.Value.Enabled)
        {
            return await next(context);
        }

        var headers = context.HttpContext.Request.Headers[ChallengeEndpoints.HeaderName];
        var outcome = headers.Count > 1 ? ChallengeRedemption.Malformed : await challenge.RedeemAsync(headers.ToString());
        return outcome switch
        {
            ChallengeRedemption.Accepted => await next(context),
            ChallengeRedemption.Missing => ApiProblems.Problem(StatusCodes.Status403Forbidden, ErrorCodes.ChallengeRequired,
                "Solve a challenge first", $"Get one from GET /api/challenge and send its solution in {ChallengeEndpoints.HeaderName}."),
            _ => ApiProblems.Problem(StatusCodes.Status403Forbidden, ErrorCodes.ChallengeInvalid, "The challenge solution is not valid",
                Detail(outcome) + " Solve a new challenge from GET /api/challenge."),
        };
    }

    private static string Detail(ChallengeRedemption outcome) => outcome switch
    {
        ChallengeRedemption.Expired => "The challenge has expired.",
        ChallengeRedemption.AlreadyUsed => "This solution was already used.",
        ChallengeRedemption.Unsolved => "That is not the challenge's solution.",
        ChallengeRedemption.Forged => "The challenge was not issued by this service, or was changed.",
        _ => $"{ChallengeEndpoints.HeaderName} is not base64 of an ALTCHA payload.",
    };
}
