using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Ticketing.Client;

namespace Ticketing.UnitTests.Client;

/// <summary>The IHttpClientFactory registration a service makes with <see cref="TicketingApiClient.AddTicketingApiClient"/>.</summary>
public class TicketingApiClientTests
{
    [Theory]
    [InlineData(null, "http://api/api/balance")]
    [InlineData("http://127.0.0.1:5180", "http://127.0.0.1:5180/api/balance")]
    public async Task The_registered_client_resolves_and_calls_its_base_address(string? baseAddress, string expected)
    {
        Uri? sentTo = null;
        var services = new ServiceCollection();
        services.AddTicketingApiClient(baseAddress is null ? null : new Uri(baseAddress))
            .ConfigurePrimaryHttpMessageHandler(() => new StubHandler(request =>
            {
                sentTo = request.RequestUri;
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"balance":3}""") };
            }));
        await using var provider = services.BuildServiceProvider();

        var response = await provider.GetRequiredService<ITicketingApi>().GetBalanceAsync(TestContext.Current.CancellationToken);

        response.Content.ShouldBe(new BalanceView(3));
        sentTo.ShouldBe(new Uri(expected));
    }
}
