using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Shouldly;
using Ticketing.Api.Queue;
using Xunit;

namespace Ticketing.UnitTests.Api;

public class QueueEventsResultTests
{
    [Fact]
    public void An_open_stream_forgets_the_signed_in_user_the_authentication_result_and_both_token_headers()
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", Guid.NewGuid().ToString()), new Claim("name", "ana")], "Bearer"));
        var http = new DefaultHttpContext { User = user };
        http.Features.Set<IAuthenticateResultFeature>(new AuthenticateResultFeature(AuthenticateResult.Success(new AuthenticationTicket(user, "Bearer"))));
        http.Request.Headers.Authorization = "Bearer access-token";
        http.Request.Headers[IQueuePassValidator.HeaderName] = "queue-token";
        http.Request.Headers.Accept = "text/event-stream";

        QueueEventsResult.ForgetCredentials(http);

        http.User.Identity!.IsAuthenticated.ShouldBeFalse();
        http.User.Claims.ShouldBeEmpty();
        http.Features.Get<IAuthenticateResultFeature>().ShouldBeNull();
        http.Request.Headers.ContainsKey("Authorization").ShouldBeFalse();
        http.Request.Headers.ContainsKey(IQueuePassValidator.HeaderName).ShouldBeFalse();
        http.Request.Headers.Accept.ToString().ShouldBe("text/event-stream", "the rest of the request stays as it was");
    }

    private sealed class AuthenticateResultFeature(AuthenticateResult result) : IAuthenticateResultFeature
    {
        public AuthenticateResult? AuthenticateResult { get; set; } = result;
    }
}
