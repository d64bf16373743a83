// The crowd of ./bench.sh, made in seconds rather than hours: sign-up runs PasswordHasher's PBKDF2 (tens per second by design),
// so the bench writes its users straight into Postgres — one password hash made by the Api's own hasher, shared by all of them,
// each with a starting balance and its CHARGE history row, so points stay accounted for — and signs their access tokens with the
// Api's own TokenSigning and the signing key the bench gave the system. It also creates the bench's concerts: JOIN_CONCERTS
// concerts for fresh joins, and one concert with PAY_SCHEDULES schedules of 50 seats for the hold-and-pay step.
//   dotnet Ticketing.Bench.Crowd.dll <postgres connection string> <signing key> <users> <join concerts> <pay schedules> <out dir>
// Writes <out>/crowd-users.txt ("userId accessToken" per line), <out>/join-concerts.txt and <out>/pay-concert.txt (concert ids, one per
// line) and <out>/pay-schedules.txt (schedule ids in order).
//   dotnet Ticketing.Bench.Crowd.dll streams …   holds live status streams open on one Api (see StreamCrowd.cs)
//   dotnet Ticketing.Bench.Crowd.dll sale …      a sale opening: the crowd joins one concert at once and buys out its house (SaleCrowd.cs)
//   dotnet Ticketing.Bench.Crowd.dll sale-streams …  holds the sale's live streams for it, in a process of their own (StreamRelay.cs)
using System.Diagnostics;
using Dapper;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Ticketing.Api.Auth;
using Ticketing.Api.Organisers;
using Ticketing.Api.Users;

if (args is ["streams", .. var streamArgs])
{
    return await StreamCrowd.RunAsync(streamArgs);
}

if (args is ["sale", .. var saleArgs])
{
    return await SaleCrowd.RunAsync(saleArgs);
}

if (args is ["sale-streams", .. var relayArgs])
{
    return await StreamRelay.RunAsync(relayArgs);
}

if (args.Length != 6)
{
    Console.Error.WriteLine("usage: Ticketing.Bench.Crowd <postgres> <signing key> <users> <join concerts> <pay schedules> <out dir>");
    return 2;
}

var (postgres, signingKey, users, joinConcerts, paySchedules, outDir) =
    (args[0], args[1], int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4]), args[5]);
const long StartingBalance = 1_000_000_000;
var clock = Stopwatch.StartNew();
var run = DateTime.UtcNow.ToString("HHmmss");

await using var dataSource = NpgsqlDataSource.Create(postgres);
await using var connection = await dataSource.OpenConnectionAsync();

// Users and their opening CHARGE rows, by binary COPY.
var hash = new PasswordHasher<UserAccount>().HashPassword(new UserAccount(), "bench-password");
var ids = Enumerable.Range(0, users).Select(_ => Guid.CreateVersion7()).ToArray();
await using (var copy = await connection.BeginBinaryImportAsync("COPY users (id, name, password_hash, balance) FROM STDIN (FORMAT BINARY)"))
{
    for (var i = 0; i < users; i++)
    {
        await copy.StartRowAsync();
        await copy.WriteAsync(ids[i], NpgsqlDbType.Uuid);
        await copy.WriteAsync($"crowd-{run}-{i}", NpgsqlDbType.Text);
        await copy.WriteAsync(hash, NpgsqlDbType.Text);
        await copy.WriteAsync(StartingBalance, NpgsqlDbType.Bigint);
    }

    await copy.CompleteAsync();
}

await using (var copy = await connection.BeginBinaryImportAsync("COPY balance_history (user_id, kind, amount, balance_after) FROM STDIN (FORMAT BINARY)"))
{
    foreach (var id in ids)
    {
        await copy.StartRowAsync();
        await copy.WriteAsync(id, NpgsqlDbType.Uuid);
        await copy.WriteAsync("CHARGE", NpgsqlDbType.Text);
        await copy.WriteAsync(StartingBalance, NpgsqlDbType.Bigint);
        await copy.WriteAsync(StartingBalance, NpgsqlDbType.Bigint);
    }

    await copy.CompleteAsync();
}

// Access tokens, signed as the Api signs them (its TokenSigning, with the key the bench handed the system).
var options = Options.Create(new AuthOptions { SigningKey = signingKey, AccessTokenLifetime = TimeSpan.FromHours(2) });
var tokens = new AccessTokens(new TokenSigning(options), options, Options.Create(new OrganiserOptions()), TimeProvider.System);
await File.WriteAllLinesAsync(Path.Combine(outDir, "crowd-users.txt"), ids.Select((id, i) => $"{id} {tokens.Issue(id, $"crowd-{run}-{i}").Token}"));

// The bench's concerts: booking open now, seats 1..50 at 1,000 points.
async Task<(Guid Concert, List<Guid> Schedules)> CreateConcertAsync(string title, int schedules)
{
    var concertId = Guid.CreateVersion7();
    await connection.ExecuteAsync("INSERT INTO concerts (id, title, performer, venue) VALUES (@concertId, @title, 'Bench', 'Bench Hall')", new { concertId, title });
    var scheduleIds = Enumerable.Range(0, schedules).Select(_ => Guid.CreateVersion7()).ToList();
    await connection.ExecuteAsync("""
        INSERT INTO schedules (id, concert_id, starts_at, booking_opens_at, booking_closes_at)
        SELECT id, @concertId, now() + interval '30 days' + n * interval '1 minute', now() - interval '1 day', now() + interval '29 days'
        FROM unnest(@scheduleIds) WITH ORDINALITY AS s(id, n)
        """, new { concertId, scheduleIds });
    await connection.ExecuteAsync("""
        INSERT INTO seats (schedule_id, seat_number, grade, price)
        SELECT s, n, CASE WHEN n <= 10 THEN 'VIP' ELSE 'R' END, 1000 FROM unnest(@scheduleIds) AS s, generate_series(1, 50) AS n
        """, new { scheduleIds });
    return (concertId, scheduleIds);
}

var joins = new List<Guid>();
for (var i = 0; i < joinConcerts; i++)
{
    joins.Add((await CreateConcertAsync($"Bench joins {run} #{i + 1}", 1)).Concert);
}

var pay = await CreateConcertAsync($"Bench hold and pay {run}", paySchedules);
await File.WriteAllLinesAsync(Path.Combine(outDir, "join-concerts.txt"), joins.Select(c => c.ToString()));
await File.WriteAllLinesAsync(Path.Combine(outDir, "pay-concert.txt"), [pay.Concert.ToString()]);
await File.WriteAllLinesAsync(Path.Combine(outDir, "pay-schedules.txt"), pay.Schedules.Select(s => s.ToString()));
Console.WriteLine($"{users:N0} users (balance {StartingBalance:N0} points each), {joinConcerts} join concerts, 1 pay concert with {paySchedules:N0} schedules ({paySchedules * 50:N0} seats) in {clock.Elapsed.TotalSeconds:F1} s");
return 0;
