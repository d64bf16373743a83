using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Dapper;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;
using Ticketing.Api.Balance;
using Ticketing.Api.Data;
using Ticketing.Api.Data.Model;
using Ticketing.Api.Holds;
using Ticketing.Api.Idempotency;
using Ticketing.AppHost.Hosting;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")] // the AppHost runs Debian's Postgres

BenchmarkSwitcher.FromAssembly(typeof(HotPaths).Assembly).Run(args,
    ManualConfig.Create(DefaultConfig.Instance).AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance)));

/// <summary>
/// The Api's hot paths as the Api runs them (hand-written SQL through the pooled context's connection:
/// <see cref="BalanceLedger"/>; the hold path's seat lookup, measured here before, now reads the in-memory catalog) against the same work in EF Core LINQ, one operation at a time on one connection, against a
/// throw-away Postgres from Debian's binaries (fsync off, as the integration tests run it): the AppHost's own Postgres resource,
/// started alone through Aspire.Hosting.Testing. Both variants lease a context
/// from the same pool, so the difference is the query pipeline, not the set-up.
/// </summary>
[MemoryDiagnoser]
public class HotPaths
{
    private static readonly Guid ScheduleId = Guid.CreateVersion7();
    private static readonly Guid UserId = Guid.CreateVersion7();
    private const string Key = "bench-key";

    private DistributedApplication _postgres = null!;
    private NpgsqlDataSource _dataSource = null!;
    private PooledDbContextFactory<TicketingDbContext> _contexts = null!;
    private string _folder = "";

    // Synchronous wrappers: BenchmarkDotNet's in-process toolchain does not await an async set-up.
    [GlobalSetup]
    public void SetUp() => SetUpAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void CleanUp() => CleanUpAsync().GetAwaiter().GetResult();

    private async Task SetUpAsync()
    {
        // One throw-away server per benchmark (BenchmarkDotNet runs each benchmark's set-up and clean-up once).
        _folder = Path.Combine("/var/tmp", $"ticketing-bench-{Guid.NewGuid():N}");
        var port = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        port.Start();
        var postgresPort = ((System.Net.IPEndPoint)port.LocalEndpoint).Port;
        port.Stop();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Ticketing_AppHost>(
            [$"TICKETING_DATA_DIR={_folder}", $"TICKETING_POSTGRES_PORT={postgresPort}"]);
        foreach (var other in builder.Resources.Where(r => r is not (PostgresServerResource or PostgresDatabaseResource or ParameterResource)).ToList())
        {
            builder.Resources.Remove(other); // Postgres alone
        }

        builder.Resources.OfType<PostgresServerResource>().Single().Durable = false;
        _postgres = await builder.BuildAsync();
        await _postgres.StartAsync();
        await _postgres.ResourceNotifications.WaitForResourceHealthyAsync("ticketing");
        var connectionString = await _postgres.GetConnectionStringAsync("ticketing");
        _dataSource = NpgsqlDataSource.Create(connectionString!);
        _contexts = new PooledDbContextFactory<TicketingDbContext>(
            new DbContextOptionsBuilder<TicketingDbContext>().UseNpgsql(_dataSource).Options);
        DateTimeOffsetHandler.Register();

        await using var db = _contexts.CreateDbContext();
        await db.Database.MigrateAsync();
        var concert = new Concert { Id = Guid.CreateVersion7(), Title = "Bench", Performer = "Bench", Venue = "Bench" };
        var now = DateTimeOffset.UtcNow;
        db.Concerts.Add(concert);
        db.Schedules.Add(new Schedule
        {
            Id = ScheduleId, ConcertId = concert.Id, StartsAt = now.AddDays(30), BookingOpensAt = now.AddDays(-1), BookingClosesAt = now.AddDays(29),
            Seats = [.. Enumerable.Range(1, 50).Select(n => new Seat { ScheduleId = ScheduleId, SeatNumber = n, Grade = "R", Price = 110_000 })],
        });
        db.Users.Add(new User { Id = UserId, Name = "bench", PasswordHash = "x" });
        db.IdempotencyKeys.Add(new IdempotencyEntry { UserId = UserId, Key = Key, RequestHash = "h" });
        await db.SaveChangesAsync();
    }

    private async Task CleanUpAsync()
    {
        await _dataSource.DisposeAsync();
        await _postgres.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Postgres's files belong to its OS user until DCP has stopped it; /var/tmp is cleaned by the system.
        }
    }

    [Benchmark(Description = "charge: SQL (UPDATE..RETURNING, INSERT, key UPDATE in one tx, as the Api)")]
    public async Task<long?> ChargeSql()
    {
        await using var db = _contexts.CreateDbContext();
        return await BalanceLedger.ChargeAsync(db, UserId, 1, new IdempotencyKey(UserId, Key));
    }

    [Benchmark(Description = "charge: EF Core (ExecuteUpdate, read balance, Add+SaveChanges, ExecuteUpdate key in one tx)")]
    public async Task<long?> ChargeEf()
    {
        await using var db = _contexts.CreateDbContext();
        await using var transaction = await db.Database.BeginTransactionAsync();
        const long amount = 1;
        if (await db.Users.Where(u => u.Id == UserId).ExecuteUpdateAsync(u => u.SetProperty(x => x.Balance, x => x.Balance + amount)) == 0)
        {
            return null;
        }

        // EF Core has no UPDATE .. RETURNING: the new balance costs a round trip (the row is ours until commit, so it is exact).
        var balance = await db.Users.Where(u => u.Id == UserId).Select(u => u.Balance).SingleAsync();
        db.BalanceHistory.Add(new BalanceChange { UserId = UserId, Kind = "CHARGE", Amount = amount, BalanceAfter = balance });
        await db.SaveChangesAsync();
        var body = System.Text.Json.JsonSerializer.Serialize(new BalanceView(balance));
        await db.IdempotencyKeys.Where(k => k.UserId == UserId && k.Key == Key).ExecuteUpdateAsync(k => k
            .SetProperty(x => x.StatusCode, 200).SetProperty(x => x.ResponseBody, body).SetProperty(x => x.CompletedAt, DateTimeOffset.UtcNow));
        await transaction.CommitAsync();
        return balance;
    }
}
