using System.Collections.Concurrent;
using System.Net;
using Dapper;
using Npgsql;
using Ticketing.Client;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Crowd;

/// <summary>
/// Refunds under a crowd (issue 17 item 5), as real concurrent HTTP requests: a reservation is refunded once however many cancels
/// race; a seat given back and bought again at the same moment is never CONFIRMED twice; a show cancelled while its payments
/// commit refunds every payment that committed, once. Every test ends with the points accounted for from Postgres.
/// </summary>
[Trait("Category", "Crowd")]
[Collection(HeavyRuns.Name)]
public class RefundCrowdTests(DefaultSystem fixture, ITestOutputHelper output)
{
    private readonly ApiDriver _api = fixture.Driver;

    [Fact]
    public async Task A_hundred_concurrent_cancels_of_one_reservation_refund_it_once()
    {
        var organiser = await _api.OrganiserAsync("organiser-a");
        var show = await Shows.CreateAsync(_api, organiser);
        var (buyer, payment) = await Shows.BuyAsync(_api, show, 7);
        var (keyed, keyedPayment) = await Shows.BuyAsync(_api, show, 8);

        var plain = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => _api.As(buyer).CancelReservationAsync(payment.ReservationId)));
        var withKey = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => _api.As(keyed).CancelReservationAsync(keyedPayment.ReservationId, "one-key")));

        plain.Count(r => r.StatusCode == HttpStatusCode.OK).ShouldBe(1);
        foreach (var refused in plain.Where(r => r.StatusCode != HttpStatusCode.OK))
        {
            refused.ShouldBeProblem(409, "RESERVATION_ALREADY_CANCELLED");
        }

        // One key: the first answer for every repeat that finds it complete, 409 in flight for those that arrive while it runs.
        var answered = withKey.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        answered.ShouldNotBeEmpty();
        answered.Select(r => r.Body()).Distinct().Count().ShouldBe(1);
        foreach (var inFlight in withKey.Where(r => r.StatusCode != HttpStatusCode.OK))
        {
            inFlight.ShouldBeProblem(409, "IDEMPOTENCY_KEY_IN_FLIGHT");
        }

        output.WriteLine($"100 cancels: {plain.Count(r => r.StatusCode == HttpStatusCode.OK)} × 200, {plain.Count(r => r.StatusCode == HttpStatusCode.Conflict)} × 409; " +
            $"50 with one key: {answered.Count} × 200 (one body), {withKey.Length - answered.Count} × 409 in flight");
        (await _api.BalanceAsync(buyer)).ShouldBe(1_000_000);
        (await _api.BalanceAsync(keyed)).ShouldBe(1_000_000);
        (await RefundRowsAsync(payment.PaymentId)).ShouldBe(1);
        (await RefundRowsAsync(keyedPayment.PaymentId)).ShouldBe(1);
    }

    [Fact]
    public async Task Seats_given_back_while_a_crowd_buys_them_are_never_confirmed_twice_and_every_point_is_accounted_for()
    {
        const int seats = 20;
        const int rivals = 40;
        var organiser = await _api.OrganiserAsync("organiser-b");
        var show = await Shows.CreateAsync(_api, organiser);
        var owners = await Task.WhenAll(Enumerable.Range(1, seats).Select(n => Shows.BuyAsync(_api, show, n)));
        var crowd = await fixture.System.CreateUsersAsync(rivals);
        await Crowds.ChargeAllAsync(_api, crowd, 1_000_000);
        var tickets = await Crowds.AdmitAllAsync(_api, crowd, show.ConcertId);

        // The owners give their seats back while the crowd tries to hold and pay any of those seats, each until it has one.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var statuses = new ConcurrentBag<int>();
        var cancels = owners.Select(async o => (await _api.As(o.Buyer).CancelReservationAsync(o.Payment.ReservationId)).ShouldReturn()).ToList();
        var buyers = crowd.Select(async (rival, i) =>
        {
            var random = new Random(i);
            while (DateTime.UtcNow < deadline)
            {
                var hold = await _api.HoldAsync(rival, tickets[i], show.ScheduleId, random.Next(1, seats + 1));
                statuses.Add((int)hold.StatusCode.GetValueOrDefault());
                if (hold.StatusCode == HttpStatusCode.Created)
                {
                    var paid = await _api.PayAsync(rival, tickets[i], hold.Content!.HoldId);
                    statuses.Add((int)paid.StatusCode.GetValueOrDefault());
                    if (paid.StatusCode == HttpStatusCode.Created)
                    {
                        return true;
                    }
                }
                else if (hold.Problem()!.Code == "HOLD_LIMIT_REACHED" || await AllResoldAsync(show.ScheduleId, seats))
                {
                    return false;
                }

                await Task.Delay(10);
            }

            return false;
        }).ToList();
        await Task.WhenAll(cancels);
        var bought = (await Task.WhenAll(buyers)).Count(b => b);

        output.WriteLine($"{seats} cancels raced {rivals} buyers: {bought} seats bought again; hold/pay answers " +
            string.Join(", ", statuses.GroupBy(s => s).OrderBy(g => g.Key).Select(g => $"{g.Key} × {g.Count()}")));
        statuses.ShouldAllBe(s => s < 500);
        bought.ShouldBe(seats);
        (await ScalarAsync("""
            SELECT count(*) FROM (SELECT seat_number FROM reservations WHERE schedule_id = @id AND status = 'CONFIRMED'
                                  GROUP BY seat_number HAVING count(*) > 1) twice
            """, new { id = show.ScheduleId })).ShouldBe(0);
        (await ScalarAsync("SELECT count(*) FROM reservations WHERE schedule_id = @id AND status = 'CONFIRMED'", new { id = show.ScheduleId })).ShouldBe(seats);
        await ShouldAccountForEveryPointAsync([.. owners.Select(o => o.Buyer.UserId), .. crowd.Select(c => c.UserId)], show.ScheduleId);
    }

    [Fact]
    public async Task A_show_cancelled_while_its_payments_commit_refunds_every_committed_payment_once_and_debits_no_other()
    {
        const int buyers = 40;
        var organiser = await _api.OrganiserAsync("organiser-a");
        var show = await Shows.CreateAsync(_api, organiser);
        var crowd = await fixture.System.CreateUsersAsync(buyers);
        await Crowds.ChargeAllAsync(_api, crowd, 1_000_000);
        var tickets = await Crowds.AdmitAllAsync(_api, crowd, show.ConcertId);
        var holds = await Task.WhenAll(crowd.Select((u, i) => _api.HoldOkAsync(u, tickets[i], show.ScheduleId, i + 1)));

        // Payments start 30 ms apart over 1.2 s and the cancel starts halfway, so it lands among payments that are committing.
        var payments = crowd.Select(async (u, i) =>
        {
            await Task.Delay(30 * i);
            return await _api.PayAsync(u, tickets[i], holds[i]);
        }).ToList();
        var cancel = Task.Run(async () =>
        {
            await Task.Delay(30 * buyers / 2);
            return (await _api.As(organiser).CancelScheduleAsync(show.ScheduleId)).ShouldReturn();
        });
        var answers = await Task.WhenAll(payments);
        var cancelled = await cancel;

        var committed = answers.Where(a => a.StatusCode == HttpStatusCode.Created).Select(a => a.Content!).ToList();
        output.WriteLine($"{buyers} payments raced the cancel: {committed.Count} committed before it (refunded: {cancelled.ReservationsCancelled}, " +
            $"{cancelled.PointsRefunded:N0} points); others: " +
            string.Join(", ", answers.Where(a => a.StatusCode != HttpStatusCode.Created).GroupBy(a => a.Problem()!.Code).Select(g => $"{g.Key} × {g.Count()}")));
        committed.ShouldNotBeEmpty("the payments that started long before the cancel committed");
        committed.Count.ShouldBeLessThan(buyers, "the payments that started long after the cancel were refused");
        foreach (var refused in answers.Where(a => a.StatusCode != HttpStatusCode.Created))
        {
            refused.ShouldBeProblem(409, "BOOKING_CLOSED");
        }

        cancelled.ReservationsCancelled.ShouldBe(committed.Count);
        cancelled.PointsRefunded.ShouldBe(committed.Sum(p => p.Amount));
        foreach (var payment in committed)
        {
            (await RefundRowsAsync(payment.PaymentId)).ShouldBe(1);
        }

        (await ScalarAsync("SELECT count(*) FROM reservations WHERE schedule_id = @id AND status = 'CONFIRMED'", new { id = show.ScheduleId })).ShouldBe(0);
        foreach (var user in crowd)
        {
            (await _api.BalanceAsync(user)).ShouldBe(1_000_000);
        }

        (await _api.As(organiser).CancelScheduleAsync(show.ScheduleId)).ShouldReturn().ReservationsCancelled.ShouldBe(0);
        await ShouldAccountForEveryPointAsync([.. crowd.Select(c => c.UserId)], show.ScheduleId);
    }

    // balances + paid − refunded = charged, per user from the history and in sum from the balances; and the show keeps exactly
    // the price of its CONFIRMED reservations.
    private async Task ShouldAccountForEveryPointAsync(Guid[] users, Guid scheduleId)
    {
        await using var connection = new NpgsqlConnection(fixture.Postgres);
        var totals = await connection.QuerySingleAsync<(long Balances, long Charged, long Paid, long Refunded)>("""
            SELECT (SELECT coalesce(sum(balance), 0)::bigint FROM users WHERE id = ANY(@users)),
                   coalesce(sum(amount) FILTER (WHERE kind = 'CHARGE'), 0)::bigint,
                   coalesce(sum(amount) FILTER (WHERE kind = 'PAYMENT'), 0)::bigint,
                   coalesce(sum(amount) FILTER (WHERE kind = 'REFUND'), 0)::bigint
            FROM balance_history WHERE user_id = ANY(@users)
            """, new { users });
        output.WriteLine($"points: balances {totals.Balances:N0} + paid {totals.Paid:N0} − refunded {totals.Refunded:N0} = charged {totals.Charged:N0}");
        (totals.Balances + totals.Paid - totals.Refunded).ShouldBe(totals.Charged);
        var kept = await connection.ExecuteScalarAsync<long>(
            "SELECT coalesce(sum(price), 0)::bigint FROM reservations WHERE schedule_id = @scheduleId AND status = 'CONFIRMED'", new { scheduleId });
        kept.ShouldBe(totals.Paid - totals.Refunded);
        (await connection.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM users u WHERE u.id = ANY(@users) AND u.balance <> (
                SELECT coalesce(sum(CASE WHEN kind = 'PAYMENT' THEN -amount ELSE amount END), 0) FROM balance_history h WHERE h.user_id = u.id)
            """, new { users })).ShouldBe(0);
    }

    private async Task<bool> AllResoldAsync(Guid scheduleId, int seats) =>
        await ScalarAsync("SELECT count(*) FROM reservations WHERE schedule_id = @scheduleId AND status = 'CONFIRMED'", new { scheduleId }) == seats
        && await ScalarAsync("SELECT count(*) FROM reservations WHERE schedule_id = @scheduleId AND status = 'CANCELLED'", new { scheduleId }) == seats;

    private Task<long> RefundRowsAsync(Guid paymentId) =>
        ScalarAsync("SELECT count(*) FROM balance_history WHERE kind = 'REFUND' AND payment_id = @paymentId", new { paymentId });

    private Task<long> ScalarAsync(string sql, object args) => TestCatalog.ScalarAsync<long>(fixture.Postgres, sql, args);
}
