using System.Reflection;
using Ticketing.Client;

namespace Ticketing.UnitTests.Client;

/// <summary>The client's contract strings are the Api's own: a code or status added on one side only fails here.</summary>
public class ApiContractTests
{
    [Fact]
    public void The_client_knows_exactly_the_error_codes_the_api_answers() =>
        Constants(typeof(ApiContract.ErrorCodes)).ShouldBe(Constants(typeof(Ticketing.Api.Infrastructure.ErrorCodes)), ignoreOrder: true);

    [Fact]
    public void The_client_knows_exactly_the_seat_statuses_the_api_answers() =>
        Constants(typeof(ApiContract.SeatStatus)).ShouldBe(Constants(typeof(Ticketing.Api.Catalog.SeatStatus)), ignoreOrder: true);

    private static string[] Constants(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToArray();
}
