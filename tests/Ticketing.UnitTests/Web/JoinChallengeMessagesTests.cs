using Ticketing.Client;
using Ticketing.Web.Services;

namespace Ticketing.UnitTests.Web;

public class JoinChallengeMessagesTests
{
    [Theory]
    [InlineData(ApiContract.ErrorCodes.ChallengeRequired)]
    [InlineData(ApiContract.ErrorCodes.ChallengeInvalid)]
    public void The_challenge_refusals_have_words_of_their_own(string code)
    {
        ErrorMessages.IsKnown(code).ShouldBeTrue();
        ErrorMessages.For(new ApiProblem(403, code, "title", "detail")).ShouldNotContain("CHALLENGE");
    }
}
