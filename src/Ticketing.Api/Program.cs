using Ticketing.Api.Auth;
using Ticketing.Api.Balance;
using Ticketing.Api.Catalog;
using Ticketing.Api.Challenge;
using Ticketing.Api.Data;
using Ticketing.Api.Holds;
using Ticketing.Api.Infrastructure;
using Ticketing.Api.Organisers;
using Ticketing.Api.Payments;
using Ticketing.Api.Queue;
using Ticketing.Api.Reservations;
using Ticketing.Api.Users;
using Ticketing.WaitingRoom.Hosting;

DateTimeOffsetHandler.Register();

var builder = WebApplication.CreateBuilder(args);
builder.AddBasicServiceDefaults();
builder.AddPostgres("postgres");
builder.AddRedisClient("redis", RedisClientDefaults.Settings, RedisClientDefaults.Options);
builder.AddKafkaConnection("kafka");

// Bodies here are a few hundred bytes; anything bigger is refused with 413 before it is read.
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 64 * 1024);
builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddApiJson();
builder.Services.AddApiProblemDetails();
builder.Services.AddTicketingAuth();
builder.Services.AddApiOpenApi();
builder.Services.AddApiRateLimits(builder.Configuration);
builder.Services.AddSingleton<DevCatalogSeeder>();

builder.Services.AddUsers();
builder.Services.AddWaitingRoom();
builder.Services.AddCatalog();
builder.Services.AddHolds();
builder.Services.AddBalance();
builder.Services.AddPayments();
builder.Services.AddReservations();
builder.Services.AddJoinChallenge();

var app = builder.Build();

// The schema (and, in development, the catalog) is in place before the server takes a request.
if (!await app.Services.MigrateDatabaseAsync())
{
    return 1;
}

if (app.Configuration.GetValue<bool>("Ticketing:Catalog:SeedDevData"))
{
    await app.Services.GetRequiredService<DevCatalogSeeder>().SeedAsync();
}

app.UseForwardedHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseRateLimiter();
app.UseAuthorization();
app.UseOutputCache();

app.MapOpenApi();
app.UseSwaggerUI(options =>
{
    options.SwaggerEndpoint("/openapi/v1.json", "Ticketing API v1");
    options.DocumentTitle = "Ticketing API";
});

app.MapUsersEndpoints();
app.MapQueueEndpoints();
app.MapCatalogEndpoints();
app.MapHoldsEndpoints();
app.MapBalanceEndpoints();
app.MapPaymentsEndpoints();
app.MapReservationsEndpoints();
app.MapAdminEndpoints();
app.MapChallengeEndpoints();
app.MapDefaultEndpoints();

app.Run();
return 0;
