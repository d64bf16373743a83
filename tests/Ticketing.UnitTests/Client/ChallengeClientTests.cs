using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using AltchaScheme = Ticketing.Api.Challenge.AltchaScheme;
using AltchaVerdict = Ticketing.Api.Challenge.AltchaVerdict;
using Ticketing.Api.Infrastructure;
using Ticketing.Client;

namespace Ticketing.UnitTests.Client;

/// <summary>The typed client's side of the join challenge: the header, and a challenge that survives the client's model unchanged.</summary>
public class ChallengeClientTests
{
    [Fact]
    public async Task Sign_up_and_join_send_the_solution_header_only_when_given_one()
    {
        var sent = new List<string?>();
        var api = TicketingApiClient.Create(new HttpClient(new StubHandler(request =>
        {
            sent.Add(request.Headers.TryGetValues(ApiContract.Headers.ChallengeSolution, out var values) ? string.Join(",", values) : null);
            return new HttpResponseMessage(HttpStatusCode.Created) { Content = new StringContent("{}") };
        })) { BaseAddress = new Uri("http://api") });
        var ct = TestContext.Current.CancellationToken;

        await api.SignUpAsync(new Credentials("ann", "long-enough"), cancellationToken: ct);
        await api.SignUpAsync(new Credentials("ann", "long-enough"), "c29sdXRpb24=", ct);
        await api.JoinQueueAsync(Guid.NewGuid(), cancellationToken: ct);
        await api.JoinQueueAsync(Guid.NewGuid(), "c29sdXRpb24=", ct);

        sent.ShouldBe([null, "c29sdXRpb24=", null, "c29sdXRpb24="]);
    }

    [Fact]
    public void A_challenge_read_into_the_client_model_and_solved_is_accepted_by_the_api_scheme()
    {
        var scheme = new AltchaScheme("signature-secret", "key-signature-secret");
        var issued = JsonSerializer.Serialize(scheme.Create(5, 3, DateTimeOffset.UtcNow.AddMinutes(1)), ApiJson.Options);
        var challenge = JsonSerializer.Deserialize<AltchaChallenge>(issued, JsonSerializerOptions.Web)!;

        var nonce = Convert.FromHexString(challenge.Parameters.Nonce);
        var salt = Convert.FromHexString(challenge.Parameters.Salt);
        var counter = Enumerable.Range(0, 100).Select(n => (uint)n).First(n =>
            Convert.ToHexStringLower(AltchaScheme.DeriveKey(nonce, salt, n, challenge.Parameters.Cost)).StartsWith(challenge.Parameters.KeyPrefix));
        var key = Convert.ToHexStringLower(AltchaScheme.DeriveKey(nonce, salt, counter, challenge.Parameters.Cost));

        scheme.Verify(challenge.SolutionHeader(counter, key), DateTimeOffset.UtcNow).Verdict.ShouldBe(AltchaVerdict.Solved);
    }

    [Fact]
    public void Fields_the_model_does_not_name_are_written_back_as_they_came()
    {
        const string json = """{"parameters":{"algorithm":"PBKDF2/SHA-256","cost":1,"expiresAt":2,"keyLength":32,"keyPrefix":"00","keySignature":"ab","nonce":"01","salt":"02","data":{"a":1},"memoryCost":3},"signature":"ff"}""";
        var relayed = JsonSerializer.Serialize(JsonSerializer.Deserialize<AltchaChallenge>(json, JsonSerializerOptions.Web), JsonSerializerOptions.Web);

        JsonNode.DeepEquals(JsonNode.Parse(relayed), JsonNode.Parse(json)).ShouldBeTrue(relayed);
    }
}
