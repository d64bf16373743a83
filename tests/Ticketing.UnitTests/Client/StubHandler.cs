namespace Ticketing.UnitTests.Client;

/// <summary>Answers every request with <c>reply(request)</c>: an HTTP "server" without a socket.</summary>
internal sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> reply) : HttpMessageHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = reply(request);
        response.RequestMessage = request;
        return Task.FromResult(response);
    }
}
