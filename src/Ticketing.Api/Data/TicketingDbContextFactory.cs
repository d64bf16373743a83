using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Ticketing.Api.Data;

/// <summary>
/// Lets <c>dotnet ef migrations add</c> build the model without starting the Api, a database or any environment
/// variable (EF Core design-time tools look for this type first). Nothing connects to the placeholder connection string:
/// generating a migration only diffs the model against <c>Data/Migrations/TicketingDbContextModelSnapshot.cs</c>.
/// </summary>
public sealed class TicketingDbContextFactory : IDesignTimeDbContextFactory<TicketingDbContext>
{
    /// <summary>A context on a placeholder Npgsql connection string; <paramref name="args"/> are ignored.</summary>
    public TicketingDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<TicketingDbContext>().UseNpgsql("Host=127.0.0.1;Database=ticketing_design_time").Options);
}
