using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Ticketing.Api.Auth;
using Ticketing.Api.Challenge;
using Ticketing.Api.Data;
using Ticketing.Api.Data.Model;
using Ticketing.Api.Infrastructure;

namespace Ticketing.Api.Users;

/// <summary>Body of <c>POST /api/users</c> and <c>POST /api/auth/token</c>.</summary>
/// <param name="Name">3–32 characters: letters, digits, <c>_ - .</c>.</param>
/// <param name="Password">8–128 characters.</param>
public sealed record Credentials(string? Name, string? Password);

/// <summary>Answer of <c>POST /api/users</c>.</summary>
/// <param name="UserId">The new user's id.</param>
/// <param name="Name">The name as registered.</param>
public sealed record UserCreated(Guid UserId, string Name);

/// <summary>Answer of <c>POST /api/auth/token</c>.</summary>
/// <param name="AccessToken">Send as <c>Authorization: Bearer</c>.</param>
/// <param name="ExpiresAt">When it stops being accepted (UTC).</param>
public sealed record AccessTokenIssued(string AccessToken, DateTimeOffset ExpiresAt);

/// <summary>Answer of <c>GET /api/users/me</c>.</summary>
/// <param name="UserId">The caller's id.</param>
/// <param name="Name">The name as registered.</param>
/// <param name="Roles">The roles signed into the caller's access token: a subset of [<c>organiser</c>].</param>
public sealed record CurrentUser(Guid UserId, string Name, string[] Roles);

/// <summary>The stored user, as sign-in needs it.</summary>
public sealed class UserAccount
{
    /// <summary>Id.</summary>
    public Guid Id { get; init; }

    /// <summary>Name as registered.</summary>
    public string Name { get; init; } = "";

    /// <summary>ASP.NET Core Identity V3 hash (PBKDF2).</summary>
    public string PasswordHash { get; init; } = "";
}

/// <summary>Sign-up and sign-in (API.md "Users").</summary>
public static class UsersEndpoints
{
    /// <summary>Registers the password hasher.</summary>
    public static IServiceCollection AddUsers(this IServiceCollection services) =>
        services.AddSingleton<IPasswordHasher<UserAccount>, PasswordHasher<UserAccount>>().AddSingleton<PasswordWork>().AddSingleton<SignInThrottle>();

    // Verified when the name has no account, so a sign-in costs one PBKDF2 check whether the name exists or not (OWASP: the
    // answer's time must not say which names exist). The hash of a random password nobody knows.
    private static readonly Lazy<string> s_absentAccountHash = new(() =>
        new PasswordHasher<UserAccount>().HashPassword(new UserAccount(), Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))));

    /// <summary>Maps <c>POST /api/users</c>, <c>POST /api/auth/token</c> and <c>GET /api/users/me</c>.</summary>
    public static IEndpointRouteBuilder MapUsersEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/users", SignUp).WithTags("Users").WithName("SignUp").WithSummary("Sign up").WithDescription("Creates an account with a zero balance. The name is 3–32 letters, digits, '.', '_' or '-', unique whatever the case; the password 8–128 characters, not the name, and not among the most common passwords. 400 INVALID_NAME or WEAK_PASSWORD, 409 NAME_TAKEN; 403 CHALLENGE_REQUIRED / CHALLENGE_INVALID while the join challenge is on.").RequireRateLimiting(RateLimits.SignUp)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict)
            .RequireChallenge();
        app.MapPost("/api/auth/token", SignIn).WithTags("Users").WithName("SignIn").WithSummary("Get an access token").WithDescription("Exchanges a name and password for an access token (a JWT valid 1 h) to send as Authorization: Bearer. 401 BAD_CREDENTIALS whichever of the two is wrong; after 5 wrong passwords for a name, 429 RATE_LIMITED with Retry-After, doubling up to 15 min.").RequireRateLimiting(RateLimits.SignIn)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        app.MapGet("/api/users/me", Me).WithTags("Users").WithName("GetCurrentUser").WithSummary("Who is calling").WithDescription("The caller's id, name and roles, as their access token says (roles: organiser for accounts allowed the /api/admin routes).")
            .RequireAuthorization().ProducesProblem(StatusCodes.Status401Unauthorized);
        return app;
    }

    /// <summary>
    /// The caller as their access token says: id, name and roles (the Web shows the organiser pages from it). No database read: the
    /// token is signed, and its roles are what every route authorizes with.
    /// </summary>
    public static Ok<CurrentUser> Me(HttpContext http) =>
        TypedResults.Ok(new CurrentUser(http.User.GetUserId(), http.User.Identity?.Name ?? "", http.User.GetRoles()));

    /// <summary>Creates a user with a zero balance. 400 <c>INVALID_NAME</c>/<c>WEAK_PASSWORD</c>, 409 <c>NAME_TAKEN</c>.</summary>
    public static async Task<Results<Created<UserCreated>, ProblemHttpResult>> SignUp(
        Credentials body, TicketingDbContext db, IPasswordHasher<UserAccount> hasher, PasswordWork work, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!UserRules.IsValidName(body.Name))
        {
            return ApiProblems.BadRequest(ErrorCodes.InvalidName, "The name is not valid",
                $"Use {UserRules.MinNameLength}–{UserRules.MaxNameLength} letters, digits, '_', '-' or '.'.");
        }

        if (!UserRules.IsStrongPassword(body.Password, body.Name))
        {
            return ApiProblems.BadRequest(ErrorCodes.WeakPassword, "The password is too weak",
                $"Use {UserRules.MinPasswordLength}–{UserRules.MaxPasswordLength} characters, different from the name and not a common or easily guessed password.");
        }

        var account = new UserAccount { Id = Guid.CreateVersion7(), Name = body.Name! };
        var hash = await work.RunAsync(() => hasher.HashPassword(account, body.Password!), cancellationToken);
        try
        {
            db.Users.Add(new User { Id = account.Id, Name = account.Name, PasswordHash = hash });
            await db.SaveChangesAsync();
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // users_name_unique (lower(name)): two sign-ups of one name race to the index, and the loser gets 409.
            return ApiProblems.Conflict(ErrorCodes.NameTaken, "The name is taken", "Pick another name.");
        }

        loggers.CreateLogger(nameof(UsersEndpoints)).LogInformation("User {UserId} signed up", account.Id);
        return TypedResults.Created($"/api/users/{account.Id}", new UserCreated(account.Id, account.Name));
    }

    /// <summary>
    /// Issues an access token for a name and password. 401 <c>BAD_CREDENTIALS</c> whichever of the two is wrong, after the same
    /// work either way (one indexed lookup and one PBKDF2 check, against a stand-in hash when the name has no account; a name that
    /// cannot exist — wrong characters, a NUL byte — skips only the lookup); 429 <c>RATE_LIMITED</c> with <c>Retry-After</c> while
    /// the name is backing off after repeated failures (<see cref="SignInThrottle"/>).
    /// </summary>
    public static async Task<Results<Ok<AccessTokenIssued>, ProblemHttpResult>> SignIn(
        Credentials body, HttpContext http, TicketingDbContext db, IPasswordHasher<UserAccount> hasher, PasswordWork work, AccessTokens tokens,
        SignInThrottle throttle)
    {
        var badCredentials = ApiProblems.Problem(StatusCodes.Status401Unauthorized, ErrorCodes.BadCredentials, "Wrong name or password");
        if (string.IsNullOrEmpty(body.Name) || string.IsNullOrEmpty(body.Password) || body.Password.Length > UserRules.MaxPasswordLength)
        {
            return badCredentials;
        }

        var name = body.Name;
        var possible = UserRules.IsValidName(name);
        if (possible && await throttle.BlockedForAsync(name) is { } wait)
        {
            return ApiProblems.RateLimited(http, wait, "Too many failed sign-ins",
                seconds => $"This name is locked for {seconds} s after repeated wrong passwords.");
        }

        // lower(name) = lower(@name): the same expression as the unique index users_name_unique, so the lookup uses it.
        var account = possible
            ? await db.Users.AsNoTracking()
                .Where(u => u.Name.ToLower() == name.ToLower())
                .Select(u => new UserAccount { Id = u.Id, Name = u.Name, PasswordHash = u.PasswordHash })
                .SingleOrDefaultAsync()
            : null;
        var verified = await work.RunAsync(() => hasher.VerifyHashedPassword(account ?? new UserAccount(),
            account?.PasswordHash ?? s_absentAccountHash.Value, body.Password), http.RequestAborted);
        if (account is null || verified == PasswordVerificationResult.Failed)
        {
            if (possible)
            {
                await throttle.FailedAsync(name);
            }

            return badCredentials;
        }

        await throttle.SucceededAsync(name);
        var (token, expiresAt) = tokens.Issue(account.Id, account.Name);
        return TypedResults.Ok(new AccessTokenIssued(token, expiresAt));
    }
}
