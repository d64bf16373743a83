using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Ticketing.Api.Infrastructure;
using Ticketing.Api.Organisers;

namespace Ticketing.Api.Auth;

/// <summary>Roles an access token can carry (claim <see cref="TokenSigning.RoleClaimType"/>).</summary>
public static class Roles
{
    /// <summary>May use <c>/api/admin</c> (API.md "Organiser"); given to the names of <see cref="OrganiserOptions.Names"/>.</summary>
    public const string Organiser = "organiser";
}

/// <summary>Names of the authorization policies (ASP.NET Core policy-based authorization).</summary>
public static class AuthPolicies
{
    /// <summary>A signed-in user whose access token carries <see cref="Roles.Organiser"/>; others get 403 <c>FORBIDDEN</c>.</summary>
    public const string Organiser = "organiser";
}

/// <summary>Access-token authentication: JwtBearer over <see cref="TokenSigning"/>, 401s and 403s as problem details.</summary>
public static class AuthSetup
{
    /// <summary>Binds and validates <see cref="AuthOptions"/> at start-up and wires JwtBearer and authorization.</summary>
    public static IServiceCollection AddTicketingAuth(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TokenSigning>();
        services.AddSingleton<AccessTokens>();
        services.AddOptions<OrganiserOptions>().BindConfiguration(OrganiserOptions.SectionName);

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<TokenSigning>((options, signing) =>
            {
                options.MapInboundClaims = false;
                options.TokenValidationParameters = signing.ValidationParameters(TokenSigning.AccessAudience);
                options.Events = new JwtBearerEvents
                {
                    OnTokenValidated = context =>
                    {
                        // Every handler reads the caller from `sub`: a well-signed token whose `sub` is no user id is refused
                        // here (401) rather than failing later (a 500).
                        if (!Guid.TryParse(context.Principal?.FindFirstValue(JwtRegisteredClaimNames.Sub), out _))
                        {
                            context.Fail("The access token names no user.");
                        }

                        return Task.CompletedTask;
                    },
                    OnForbidden = async context =>
                    {
                        var result = ApiProblems.Problem(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden,
                            "Not allowed", "This route is for organisers (API.md \"Organiser\").");
                        await result.ExecuteAsync(context.HttpContext);
                    },
                    OnChallenge = async context =>
                    {
                        // Write the 401 ourselves so it carries a code like every other error (API.md "Errors").
                        context.HandleResponse();
                        var result = ApiProblems.Problem(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized,
                            "Sign in first", context.AuthenticateFailure is null
                                ? "Send 'Authorization: Bearer <accessToken>' from POST /api/auth/token."
                                : "The access token is invalid or expired; get a new one from POST /api/auth/token.");
                        await result.ExecuteAsync(context.HttpContext);
                    },
                };
            });
        services.AddAuthorizationBuilder()
            .AddPolicy(AuthPolicies.Organiser, policy => policy.RequireAuthenticatedUser().RequireRole(Roles.Organiser));
        return services;
    }

    /// <summary>The authenticated caller's user id (the <c>sub</c> claim of the access token).</summary>
    /// <exception cref="InvalidOperationException">Called on an endpoint that does not require authorization.</exception>
    public static Guid GetUserId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(JwtRegisteredClaimNames.Sub), out var id)
            ? id
            : throw new InvalidOperationException("The endpoint must require authorization to read the user id.");

    /// <summary>The roles of the caller's access token (a subset of [<see cref="Roles.Organiser"/>]).</summary>
    public static string[] GetRoles(this ClaimsPrincipal user) =>
        [.. user.FindAll(TokenSigning.RoleClaimType).Select(c => c.Value).Distinct()];
}

/// <summary>Issues access tokens (audience <see cref="TokenSigning.AccessAudience"/>).</summary>
public sealed class AccessTokens(TokenSigning signing, IOptions<AuthOptions> options, IOptions<OrganiserOptions> organisers, TimeProvider clock)
{
    /// <summary>
    /// A signed access token for the user and when it expires (now + <see cref="AuthOptions.AccessTokenLifetime"/>): claims <c>sub</c>
    /// (the user id), <c>name</c>, and <c>role</c> = <see cref="Roles.Organiser"/> when <see cref="OrganiserOptions.Names"/> lists the name.
    /// </summary>
    public (string Token, DateTimeOffset ExpiresAt) Issue(Guid userId, string name)
    {
        var now = clock.GetUtcNow();
        var expiresAt = now + options.Value.AccessTokenLifetime;
        List<Claim> claims = [new(JwtRegisteredClaimNames.Sub, userId.ToString()), new(JwtRegisteredClaimNames.Name, name)];
        if (organisers.Value.IsOrganiser(name))
        {
            claims.Add(new Claim(TokenSigning.RoleClaimType, Roles.Organiser));
        }

        return (signing.Create(TokenSigning.AccessAudience, claims, now, expiresAt), expiresAt);
    }
}
