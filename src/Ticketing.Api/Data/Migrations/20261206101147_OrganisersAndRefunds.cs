using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ticketing.Api.Data.Migrations
{
    /// <summary>
    /// Issue 17 (organisers and refunds): concerts get their organiser (<c>organiser_id</c>), schedules can be cancelled
    /// (<c>cancelled_at</c>), reservations can be CANCELLED (<c>cancelled_at</c>; <c>seat_released_at</c>, the outbox marker of the
    /// seat's release in Redis). "One reservation per seat" becomes "at most one CONFIRMED reservation per seat" (a partial unique
    /// index in place of the unique constraint), and a payment is refunded at most once (partial unique index on REFUND rows).
    /// Text lengths of concerts and grades are checked in Postgres as in the Api.
    /// </summary>
    public partial class OrganisersAndRefunds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropUniqueConstraint(
                name: "reservations_one_per_seat",
                table: "reservations");

            migrationBuilder.DropCheckConstraint(
                name: "reservations_status_check",
                table: "reservations");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "cancelled_at",
                table: "schedules",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "cancelled_at",
                table: "reservations",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "seat_released_at",
                table: "reservations",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "organiser_id",
                table: "concerts",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddCheckConstraint(
                name: "seats_grade_length",
                table: "seats",
                sql: "char_length(grade) BETWEEN 1 AND 16");

            migrationBuilder.CreateIndex(
                name: "reservations_one_confirmed_per_seat",
                table: "reservations",
                columns: new[] { "schedule_id", "seat_number" },
                unique: true,
                filter: "status = 'CONFIRMED'");

            migrationBuilder.CreateIndex(
                name: "reservations_seat_release_pending",
                table: "reservations",
                column: "cancelled_at",
                filter: "status = 'CANCELLED' AND seat_released_at IS NULL");

            migrationBuilder.AddCheckConstraint(
                name: "reservations_cancelled_at_check",
                table: "reservations",
                sql: "(status = 'CANCELLED') = (cancelled_at IS NOT NULL)");

            migrationBuilder.AddCheckConstraint(
                name: "reservations_status_check",
                table: "reservations",
                sql: "status IN ('CONFIRMED', 'CANCELLED')");

            migrationBuilder.CreateIndex(
                name: "concerts_organiser",
                table: "concerts",
                column: "organiser_id");

            migrationBuilder.AddCheckConstraint(
                name: "concerts_text_lengths",
                table: "concerts",
                sql: "char_length(title) BETWEEN 1 AND 200 AND char_length(performer) BETWEEN 1 AND 200 AND char_length(venue) BETWEEN 1 AND 200");

            migrationBuilder.CreateIndex(
                name: "balance_history_one_refund_per_payment",
                table: "balance_history",
                column: "payment_id",
                unique: true,
                filter: "kind = 'REFUND'");

            migrationBuilder.AddForeignKey(
                name: "concerts_organiser_id_fkey",
                table: "concerts",
                column: "organiser_id",
                principalTable: "users",
                principalColumn: "id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "concerts_organiser_id_fkey",
                table: "concerts");

            migrationBuilder.DropCheckConstraint(
                name: "seats_grade_length",
                table: "seats");

            migrationBuilder.DropIndex(
                name: "reservations_one_confirmed_per_seat",
                table: "reservations");

            migrationBuilder.DropIndex(
                name: "reservations_seat_release_pending",
                table: "reservations");

            migrationBuilder.DropCheckConstraint(
                name: "reservations_cancelled_at_check",
                table: "reservations");

            migrationBuilder.DropCheckConstraint(
                name: "reservations_status_check",
                table: "reservations");

            migrationBuilder.DropIndex(
                name: "concerts_organiser",
                table: "concerts");

            migrationBuilder.DropCheckConstraint(
                name: "concerts_text_lengths",
                table: "concerts");

            migrationBuilder.DropIndex(
                name: "balance_history_one_refund_per_payment",
                table: "balance_history");

            migrationBuilder.DropColumn(
                name: "cancelled_at",
                table: "schedules");

            migrationBuilder.DropColumn(
                name: "cancelled_at",
                table: "reservations");

            migrationBuilder.DropColumn(
                name: "seat_released_at",
                table: "reservations");

            migrationBuilder.DropColumn(
                name: "organiser_id",
                table: "concerts");

            migrationBuilder.AddUniqueConstraint(
                name: "reservations_one_per_seat",
                table: "reservations",
                columns: new[] { "schedule_id", "seat_number" });

            migrationBuilder.AddCheckConstraint(
                name: "reservations_status_check",
                table: "reservations",
                sql: "status IN ('CONFIRMED')");
        }
    }
}
