using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ticketing.Api.Data.Migrations
{
    /// <summary>
    /// Every committed change of the catalog (<c>concerts</c>, <c>schedules</c>, <c>seats</c>) sends a Postgres notification on
    /// channel <c>catalog_changed</c> (payload: the table's name), which the Api's <c>CatalogCache</c> listens to
    /// (<c>LISTEN</c>) to reload its in-memory copy. Statement-level triggers: a 50-row seat insert notifies once, and Postgres
    /// folds identical notifications of one transaction into one, delivered at commit (PostgreSQL docs, "NOTIFY").
    /// </summary>
    public partial class CatalogChangeNotifications : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('catalog_changed', TG_TABLE_NAME);
                    RETURN NULL;
                END;
                $$;
                """);
            foreach (var table in new[] { "concerts", "schedules", "seats" })
            {
                migrationBuilder.Sql($"""
                    CREATE TRIGGER {table}_catalog_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
                    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();
                    """);
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var table in new[] { "concerts", "schedules", "seats" })
            {
                migrationBuilder.Sql($"DROP TRIGGER {table}_catalog_changed ON {table};");
            }

            migrationBuilder.Sql("DROP FUNCTION catalog_changed();");
        }
    }
}
