using Npgsql;
using Ticketing.Api.Data;

namespace Ticketing.UnitTests.Api;

public sealed class PostgresSetupTests
{
    [Fact]
    public void Statements_are_auto_prepared_and_connections_not_reset_unless_the_connection_string_says_otherwise()
    {
        var defaults = new NpgsqlConnectionStringBuilder(PostgresSetup.WithHotPathDefaults("Host=127.0.0.1;Port=5432;Username=u;Password=p;Database=d"));
        defaults.MaxAutoPrepare.ShouldBe(50);
        defaults.AutoPrepareMinUsages.ShouldBe(2);
        defaults.NoResetOnClose.ShouldBeTrue();
        defaults.Password.ShouldBe("p");

        var given = new NpgsqlConnectionStringBuilder(PostgresSetup.WithHotPathDefaults(
            "Host=127.0.0.1;Username=u;Database=d;Max Auto Prepare=0;Auto Prepare Min Usages=5;No Reset On Close=false"));
        given.MaxAutoPrepare.ShouldBe(0);
        given.AutoPrepareMinUsages.ShouldBe(5);
        given.NoResetOnClose.ShouldBeFalse();
    }
}
