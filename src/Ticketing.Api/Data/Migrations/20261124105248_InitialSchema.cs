using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Ticketing.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class InitialSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "concerts",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    title = table.Column<string>(type: "text", nullable: false),
                    performer = table.Column<string>(type: "text", nullable: false),
                    venue = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("concerts_pkey", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "users",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "text", nullable: false),
                    password_hash = table.Column<string>(type: "text", nullable: false),
                    balance = table.Column<long>(type: "bigint", nullable: false, defaultValue: 0L),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("users_pkey", x => x.id);
                    table.CheckConstraint("users_balance_non_negative", "balance >= 0");
                });

            migrationBuilder.CreateTable(
                name: "schedules",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    concert_id = table.Column<Guid>(type: "uuid", nullable: false),
                    starts_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    booking_opens_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    booking_closes_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("schedules_pkey", x => x.id);
                    table.CheckConstraint("schedules_window_ordered", "booking_opens_at < booking_closes_at AND booking_closes_at <= starts_at");
                    table.ForeignKey(
                        name: "schedules_concert_id_fkey",
                        column: x => x.concert_id,
                        principalTable: "concerts",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "idempotency_keys",
                columns: table => new
                {
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    key = table.Column<string>(type: "text", nullable: false),
                    request_hash = table.Column<string>(type: "text", nullable: false),
                    status_code = table.Column<int>(type: "integer", nullable: true),
                    response_body = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    completed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("idempotency_keys_pkey", x => new { x.user_id, x.key });
                    table.CheckConstraint("idempotency_keys_key_check", "length(key) BETWEEN 1 AND 255");
                    table.ForeignKey(
                        name: "idempotency_keys_user_id_fkey",
                        column: x => x.user_id,
                        principalTable: "users",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "seats",
                columns: table => new
                {
                    schedule_id = table.Column<Guid>(type: "uuid", nullable: false),
                    seat_number = table.Column<int>(type: "integer", nullable: false),
                    grade = table.Column<string>(type: "text", nullable: false),
                    price = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("seats_pkey", x => new { x.schedule_id, x.seat_number });
                    table.CheckConstraint("seats_number_range", "seat_number BETWEEN 1 AND 50");
                    table.CheckConstraint("seats_price_positive", "price > 0");
                    table.ForeignKey(
                        name: "seats_schedule_id_fkey",
                        column: x => x.schedule_id,
                        principalTable: "schedules",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "reservations",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    schedule_id = table.Column<Guid>(type: "uuid", nullable: false),
                    seat_number = table.Column<int>(type: "integer", nullable: false),
                    price = table.Column<long>(type: "bigint", nullable: false),
                    status = table.Column<string>(type: "text", nullable: false, defaultValue: "CONFIRMED"),
                    paid_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("reservations_pkey", x => x.id);
                    table.UniqueConstraint("reservations_one_per_seat", x => new { x.schedule_id, x.seat_number });
                    table.CheckConstraint("reservations_price_check", "price > 0");
                    table.CheckConstraint("reservations_status_check", "status IN ('CONFIRMED')");
                    table.ForeignKey(
                        name: "reservations_schedule_id_seat_number_fkey",
                        columns: x => new { x.schedule_id, x.seat_number },
                        principalTable: "seats",
                        principalColumns: new[] { "schedule_id", "seat_number" });
                    table.ForeignKey(
                        name: "reservations_user_id_fkey",
                        column: x => x.user_id,
                        principalTable: "users",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "payments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    reservation_id = table.Column<Guid>(type: "uuid", nullable: false),
                    hold_id = table.Column<Guid>(type: "uuid", nullable: false),
                    amount = table.Column<long>(type: "bigint", nullable: false),
                    paid_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("payments_pkey", x => x.id);
                    table.UniqueConstraint("payments_hold_id_key", x => x.hold_id);
                    table.UniqueConstraint("payments_reservation_id_key", x => x.reservation_id);
                    table.CheckConstraint("payments_amount_check", "amount > 0");
                    table.ForeignKey(
                        name: "payments_reservation_id_fkey",
                        column: x => x.reservation_id,
                        principalTable: "reservations",
                        principalColumn: "id");
                    table.ForeignKey(
                        name: "payments_user_id_fkey",
                        column: x => x.user_id,
                        principalTable: "users",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "balance_history",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    kind = table.Column<string>(type: "text", nullable: false),
                    amount = table.Column<long>(type: "bigint", nullable: false),
                    balance_after = table.Column<long>(type: "bigint", nullable: false),
                    payment_id = table.Column<Guid>(type: "uuid", nullable: true),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("balance_history_pkey", x => x.id);
                    table.CheckConstraint("balance_history_amount_check", "amount > 0");
                    table.CheckConstraint("balance_history_balance_after_check", "balance_after >= 0");
                    table.CheckConstraint("balance_history_kind_check", "kind IN ('CHARGE', 'PAYMENT', 'REFUND')");
                    table.ForeignKey(
                        name: "balance_history_payment_id_fkey",
                        column: x => x.payment_id,
                        principalTable: "payments",
                        principalColumn: "id");
                    table.ForeignKey(
                        name: "balance_history_user_id_fkey",
                        column: x => x.user_id,
                        principalTable: "users",
                        principalColumn: "id");
                });

            migrationBuilder.CreateIndex(
                name: "balance_history_user",
                table: "balance_history",
                columns: new[] { "user_id", "id" },
                descending: new[] { false, true });

            migrationBuilder.CreateIndex(
                name: "reservations_user",
                table: "reservations",
                columns: new[] { "user_id", "paid_at" },
                descending: new[] { false, true });

            migrationBuilder.CreateIndex(
                name: "schedules_concert",
                table: "schedules",
                column: "concert_id");

            // Names are unique regardless of case ("Alice" and "alice" are one person to a reader; sign-up maps the violation
            // to 409 NAME_TAKEN). EF Core cannot model an index on an expression, so this one is SQL: the model does not know
            // it, and later migrations leave it alone.
            migrationBuilder.Sql("CREATE UNIQUE INDEX users_name_unique ON users (lower(name));");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "balance_history");

            migrationBuilder.DropTable(
                name: "idempotency_keys");

            migrationBuilder.DropTable(
                name: "payments");

            migrationBuilder.DropTable(
                name: "reservations");

            migrationBuilder.DropTable(
                name: "seats");

            migrationBuilder.DropTable(
                name: "users");

            migrationBuilder.DropTable(
                name: "schedules");

            migrationBuilder.DropTable(
                name: "concerts");
        }
    }
}
