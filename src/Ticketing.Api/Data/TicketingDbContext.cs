using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;
using Ticketing.Api.Data.Model;

namespace Ticketing.Api.Data;

/// <summary>
/// The Api's Postgres schema as an EF Core model. It maps the schema the plain-SQL migration <c>0001_initial_schema</c>
/// created, name for name: snake_case tables and columns, the same check, unique and foreign-key constraints and
/// indexes, so the hand-written SQL of the hot paths (holds, payments, charges) runs against it unchanged. Postgres is
/// the arbiter: balance ≥ 0, amounts &gt; 0 and UNIQUE(schedule, seat) are constraints, not code. Migrations live in
/// <c>Data/Migrations</c> (README "Schema and migrations").
/// </summary>
/// <param name="options">Built by <see cref="PostgresSetup.AddPostgres{TBuilder}"/> (pooled, on the shared <c>NpgsqlDataSource</c>).</param>
public sealed class TicketingDbContext(DbContextOptions<TicketingDbContext> options) : DbContext(options)
{
    /// <summary>Table <c>users</c>.</summary>
    public DbSet<User> Users => Set<User>();

    /// <summary>Table <c>concerts</c>.</summary>
    public DbSet<Concert> Concerts => Set<Concert>();

    /// <summary>Table <c>schedules</c>.</summary>
    public DbSet<Schedule> Schedules => Set<Schedule>();

    /// <summary>Table <c>seats</c>.</summary>
    public DbSet<Seat> Seats => Set<Seat>();

    /// <summary>Table <c>reservations</c>.</summary>
    public DbSet<Reservation> Reservations => Set<Reservation>();

    /// <summary>Table <c>payments</c>.</summary>
    public DbSet<Payment> Payments => Set<Payment>();

    /// <summary>Table <c>balance_history</c>.</summary>
    public DbSet<BalanceChange> BalanceHistory => Set<BalanceChange>();

    /// <summary>Table <c>idempotency_keys</c>.</summary>
    public DbSet<IdempotencyEntry> IdempotencyKeys => Set<IdempotencyEntry>();

    /// <inheritdoc />
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder) =>
        // The schema indexes exactly what its queries need; EF's automatic index per foreign key would add
        // indexes it never had (payments.user_id, balance_history.payment_id).
        configurationBuilder.Conventions.Remove(typeof(ForeignKeyIndexConvention));

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<User>(user =>
        {
            user.ToTable("users", t => t.HasCheckConstraint("users_balance_non_negative", "balance >= 0"));
            user.HasKey(u => u.Id).HasName("users_pkey");
            user.Property(u => u.Balance).HasDefaultValue(0L);
            user.Property(u => u.CreatedAt).HasDefaultValueSql("now()");
            // users_name_unique is an index on lower(name), which EF cannot model: the migration creates it in SQL.
        });

        model.Entity<Concert>(concert =>
        {
            concert.ToTable("concerts", t => t.HasCheckConstraint("concerts_text_lengths",
                "char_length(title) BETWEEN 1 AND 200 AND char_length(performer) BETWEEN 1 AND 200 AND char_length(venue) BETWEEN 1 AND 200"));
            concert.HasKey(c => c.Id).HasName("concerts_pkey");
            concert.HasOne<User>().WithMany().HasForeignKey(c => c.OrganiserId).HasConstraintName("concerts_organiser_id_fkey");
            concert.HasIndex(c => c.OrganiserId).HasDatabaseName("concerts_organiser");
        });

        model.Entity<Schedule>(schedule =>
        {
            schedule.ToTable("schedules", t => t.HasCheckConstraint("schedules_window_ordered",
                "booking_opens_at < booking_closes_at AND booking_closes_at <= starts_at"));
            schedule.HasKey(s => s.Id).HasName("schedules_pkey");
            schedule.HasOne(s => s.Concert).WithMany().HasForeignKey(s => s.ConcertId).HasConstraintName("schedules_concert_id_fkey");
            schedule.HasIndex(s => s.ConcertId).HasDatabaseName("schedules_concert");
        });

        model.Entity<Seat>(seat =>
        {
            seat.ToTable("seats", t =>
            {
                t.HasCheckConstraint("seats_number_range", "seat_number BETWEEN 1 AND 50");
                t.HasCheckConstraint("seats_price_positive", "price > 0");
                t.HasCheckConstraint("seats_grade_length", "char_length(grade) BETWEEN 1 AND 16");
            });
            seat.HasKey(s => new { s.ScheduleId, s.SeatNumber }).HasName("seats_pkey");
            seat.HasOne(s => s.Schedule).WithMany(s => s.Seats).HasForeignKey(s => s.ScheduleId).HasConstraintName("seats_schedule_id_fkey");
        });

        model.Entity<Reservation>(reservation =>
        {
            reservation.ToTable("reservations", t =>
            {
                t.HasCheckConstraint("reservations_price_check", "price > 0");
                t.HasCheckConstraint("reservations_status_check", $"status IN ({string.Join(", ", Reservation.Statuses.Select(s => $"'{s}'"))})");
                t.HasCheckConstraint("reservations_cancelled_at_check", $"(status = '{Reservation.Cancelled}') = (cancelled_at IS NOT NULL)");
            });
            reservation.HasKey(r => r.Id).HasName("reservations_pkey");
            reservation.Property(r => r.Status).HasDefaultValue(Reservation.Confirmed);
            // The final arbiter: a seat has at most one CONFIRMED reservation, whatever Redis says. A partial unique index, so a
            // cancelled reservation leaves the seat free to be sold again (API.md "Reservations").
            reservation.HasIndex(r => new { r.ScheduleId, r.SeatNumber }).IsUnique()
                .HasFilter($"status = '{Reservation.Confirmed}'").HasDatabaseName("reservations_one_confirmed_per_seat");
            reservation.HasOne<User>().WithMany().HasForeignKey(r => r.UserId).HasConstraintName("reservations_user_id_fkey");
            reservation.HasOne(r => r.Seat).WithMany(s => s.Reservations)
                .HasForeignKey(r => new { r.ScheduleId, r.SeatNumber }).HasConstraintName("reservations_schedule_id_seat_number_fkey");
            reservation.HasIndex(r => new { r.UserId, r.PaidAt }).IsDescending(false, true).HasDatabaseName("reservations_user");
            // The outbox of seat releases: cancelled reservations whose seat Redis has not been told about yet (few rows, if any).
            reservation.HasIndex(r => r.CancelledAt).HasFilter($"status = '{Reservation.Cancelled}' AND seat_released_at IS NULL")
                .HasDatabaseName("reservations_seat_release_pending");
        });

        model.Entity<Payment>(payment =>
        {
            payment.ToTable("payments", t => t.HasCheckConstraint("payments_amount_check", "amount > 0"));
            payment.HasKey(p => p.Id).HasName("payments_pkey");
            payment.HasAlternateKey(p => p.ReservationId).HasName("payments_reservation_id_key");
            payment.HasAlternateKey(p => p.HoldId).HasName("payments_hold_id_key");
            payment.HasOne<User>().WithMany().HasForeignKey(p => p.UserId).HasConstraintName("payments_user_id_fkey");
            payment.HasOne<Reservation>().WithOne().HasForeignKey<Payment>(p => p.ReservationId).HasConstraintName("payments_reservation_id_fkey");
        });

        model.Entity<BalanceChange>(change =>
        {
            change.ToTable("balance_history", t =>
            {
                t.HasCheckConstraint("balance_history_kind_check", $"kind IN ({string.Join(", ", BalanceChange.Kinds.Select(k => $"'{k}'"))})");
                t.HasCheckConstraint("balance_history_amount_check", "amount > 0");
                t.HasCheckConstraint("balance_history_balance_after_check", "balance_after >= 0");
            });
            change.HasKey(c => c.Id).HasName("balance_history_pkey");
            change.Property(c => c.Id).UseIdentityAlwaysColumn();
            change.Property(c => c.At).HasDefaultValueSql("now()");
            change.HasOne<User>().WithMany().HasForeignKey(c => c.UserId).HasConstraintName("balance_history_user_id_fkey");
            change.HasOne<Payment>().WithMany().HasForeignKey(c => c.PaymentId).HasConstraintName("balance_history_payment_id_fkey");
            change.HasIndex(c => new { c.UserId, c.Id }).IsDescending(false, true).HasDatabaseName("balance_history_user");
            // A payment is refunded at most once, whoever cancels (the buyer, the organiser's cancel of the show) and however often.
            change.HasIndex(c => c.PaymentId).IsUnique().HasFilter("kind = 'REFUND'").HasDatabaseName("balance_history_one_refund_per_payment");
        });

        model.Entity<IdempotencyEntry>(entry =>
        {
            entry.ToTable("idempotency_keys", t => t.HasCheckConstraint("idempotency_keys_key_check", "length(key) BETWEEN 1 AND 255"));
            entry.HasKey(e => new { e.UserId, e.Key }).HasName("idempotency_keys_pkey");
            entry.Property(e => e.CreatedAt).HasDefaultValueSql("now()");
            entry.HasOne<User>().WithMany().HasForeignKey(e => e.UserId).HasConstraintName("idempotency_keys_user_id_fkey");
        });

        foreach (var entity in model.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }

            // As in the hand-written schema: no ON DELETE action anywhere (rows that money refers to are never deleted).
            foreach (var foreignKey in entity.GetForeignKeys())
            {
                foreignKey.DeleteBehavior = DeleteBehavior.NoAction;
            }
        }
    }

    // "BookingOpensAt" -> "booking_opens_at": the hand-written SQL's column names.
    private static string SnakeCase(string name)
    {
        var result = new StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (char.IsUpper(c) && result.Length > 0)
            {
                result.Append('_');
            }

            result.Append(char.ToLowerInvariant(c));
        }

        return result.ToString();
    }
}
