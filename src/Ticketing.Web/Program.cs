using Microsoft.AspNetCore.Authentication.Cookies;
using Ticketing.Client;
using Ticketing.Web.Security;
using Ticketing.Web.Services;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();

// The Api is http://api, resolved by service discovery from services__api__http__0 (set by the AppHost, Aspire's convention).
// Without it every page would only say "unavailable", so the Web refuses to start instead.
if (string.IsNullOrEmpty(builder.Configuration["services:api:http:0"]))
{
    throw new InvalidOperationException("services:api:http:0 is not set. Run the system through Ticketing.AppHost, or set services__api__http__0.");
}

builder.Services.AddHttpContextAccessor();
builder.Services.AddTransient<ApiTokensHandler>();
builder.Services.AddTicketingApiClient()
    // An Api that does not answer becomes the "unavailable" message within 15 s; the resilience retries run inside this bound.
    .ConfigureHttpClient(client => client.Timeout = TimeSpan.FromSeconds(15))
    .AddHttpMessageHandler<ApiTokensHandler>();
// The waiting room's live stream stays open for minutes: a client of its own, without the resilience handler's 30 s bound.
builder.Services.AddQueueEventsRelay();
// The join challenge: the sign-up and join forms carry ALTCHA's widget while it is on, and /challenge relays the Api's challenges.
builder.Services.AddJoinChallenge();

// Forwarded headers, security headers, HSTS, Secure cookies, and the sessions in Redis (Security/).
builder.AddWebDefences();
builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
    .AddCookie(options =>
    {
        options.LoginPath = "/Account/SignIn";
        options.LogoutPath = "/Account/SignOut";
        options.AccessDeniedPath = "/Account/AccessDenied"; // a 403 page that says who may open what was asked for
        options.Cookie.Name = "ticketing.session";
        options.Cookie.HttpOnly = true;
        options.Cookie.SameSite = SameSiteMode.Lax;
        options.SlidingExpiration = false; // the session ends with the Api access token it carries, or at sign-out (SessionStore)
    });
builder.Services.AddAuthorizationBuilder()
    .AddPolicy(UserSession.OrganiserPolicy, policy => policy.RequireRole(ApiContract.Roles.Organiser));
builder.Services.AddRazorPages(options =>
{
    options.Conventions.AuthorizeFolder("/");
    options.Conventions.AuthorizeFolder("/Organiser", UserSession.OrganiserPolicy);
    options.Conventions.AllowAnonymousToPage("/Index");
    options.Conventions.AllowAnonymousToPage("/Error");
    options.Conventions.AllowAnonymousToFolder("/Account");
});

var app = builder.Build();

app.UseWebDefences();
app.UseExceptionHandler("/Error");
app.UseStatusCodePagesWithReExecute("/Error", "?code={0}");
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();

app.MapStaticAssets();
app.MapRazorPages().WithStaticAssets();
app.MapJoinChallenge();
app.MapDefaultEndpoints();

app.Run();
