using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Ticketing.Api.Infrastructure;

namespace Ticketing.Api.Auth;

/// <summary>Access-token authentication: JwtBearer over <see cref="TokenSigning"/>, 401s as problem details.</summary>
public static class AuthSetup
{
    /// <summary>Binds and validates <see cref="AuthOptions"/> at start-up and wires JwtBearer and authorization.</summary>
    public static IServiceCollection AddTicketingAuth(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TokenSigning>();
        services.AddSingleton<AccessTokens>();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<TokenSigning>((options, signing) =>
            {
                options.MapInboundClaims = false;
                options.TokenValidationParameters = signing.ValidationParameters(TokenSigning.AccessAudience);
                options.Events = new JwtBearerEvents
                {
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
        services.AddAuthorization();
        return services;
    }

    /// <summary>The authenticated caller's user id (the <c>sub</c> claim of the access token).</summary>
    /// <exception cref="InvalidOperationException">Called on an endpoint that does not require authorization.</exception>
    public static Guid GetUserId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(JwtRegisteredClaimNames.Sub), out var id)
            ? id
            : throw new InvalidOperationException("The endpoint must require authorization to read the user id.");
}

/// <summary>Issues access tokens (audience <see cref="TokenSigning.AccessAudience"/>).</summary>
public sealed class AccessTokens(TokenSigning signing, IOptions<AuthOptions> options, TimeProvider clock)
{
    /// <summary>A signed access token for the user and when it expires (now + <see cref="AuthOptions.AccessTokenLifetime"/>).</summary>
    public (string Token, DateTimeOffset ExpiresAt) Issue(Guid userId, string name)
    {
        var now = clock.GetUtcNow();
        var expiresAt = now + options.Value.AccessTokenLifetime;
        var token = signing.Create(TokenSigning.AccessAudience,
            [new Claim(JwtRegisteredClaimNames.Sub, userId.ToString()), new Claim(JwtRegisteredClaimNames.Name, name)],
            now, expiresAt);
        return (token, expiresAt);
    }
}
