using System.Text;
using System.Text.Json.Nodes;
using Ticketing.Api.Challenge;

namespace Ticketing.UnitTests.Api;

/// <summary>
/// The join challenge's verification (ALTCHA v2, <see cref="AltchaScheme"/>), against altcha-lib 2.8.0's own output: the vector below is
/// what <c>createChallenge({algorithm: 'PBKDF2/SHA-256', cost: 50, counter: 1234, expiresAt: 2000000000, hmacSignatureSecret,
/// hmacKeySignatureSecret})</c> made and <c>solveChallenge</c> solved in Node 20 (2026-12-06); <c>verifySolution</c> accepted it.
/// </summary>
public class AltchaSchemeTests
{
    private const string SignatureSecret = "test-signature-secret";
    private const string KeySignatureSecret = "test-key-signature-secret";

    // altcha-lib's challenge and solution, as the widget would send them: base64 of {challenge: {parameters, signature}, solution}.
    private const string LibPayload =
        "eyJjaGFsbGVuZ2UiOnsicGFyYW1ldGVycyI6eyJhbGdvcml0aG0iOiJQQktERjIvU0hBLTI1NiIsImNvc3QiOjUwLCJleHBpcmVzQXQiOjIwMDAwMDAwMDAsImtleUxlbmd0aCI6MzIsImtleVByZWZpeCI6IjU3NGI4ODMyODUwODhjODAzYTcwYjZjYzkwMTcxMDRiIiwia2V5U2lnbmF0dXJlIjoiM2RlM2Q4Mjg0N2NiZDUyMTY3NTgwY2E2YzA2ZmE1YTRmNzMzZTEwMDNlYWJkNmU2NmFlNzU2NjE5M2UyZmQ0NiIsIm5vbmNlIjoiNWZlZmNhN2IwYWFjNmYzMDJkNGYwY2UxM2M2M2I0YjMiLCJzYWx0IjoiYmM5NjIyNmIyNmI5ZGE2NDJjYWNmODNjOWY1MmQ0YjQifSwic2lnbmF0dXJlIjoiNzY0NThhNWNkNzYzNDVhZWRiYWZmMTFlNTI1ZThjM2JlOWU3ODI4MmY3ZWM3YWU2NDczZjczYjZlYmRiNzEwZiJ9LCJzb2x1dGlvbiI6eyJjb3VudGVyIjoxMjM0LCJkZXJpdmVkS2V5IjoiNTc0Yjg4MzI4NTA4OGM4MDNhNzBiNmNjOTAxNzEwNGJhNmUyNjg5ZmYxYTBjMmI5MmRlNTExNDVhODJkMzhjYiIsInRpbWUiOjUyMS42fX0=";

    private static readonly DateTimeOffset BeforeExpiry = DateTimeOffset.FromUnixTimeSeconds(2_000_000_000 - 60);

    private static AltchaScheme Scheme() => new(SignatureSecret, KeySignatureSecret);

    [Fact]
    public void A_solution_made_by_altcha_lib_is_solved() =>
        Scheme().Verify(LibPayload, BeforeExpiry).Verdict.ShouldBe(AltchaVerdict.Solved);

    [Fact]
    public void A_challenge_for_the_same_counter_nonce_and_salt_is_byte_for_byte_the_one_altcha_lib_signs()
    {
        var challenge = Scheme().Create(1234, 50, DateTimeOffset.FromUnixTimeSeconds(2_000_000_000),
            Convert.FromHexString("5fefca7b0aac6f302d4f0ce13c63b4b3"), Convert.FromHexString("bc96226b26b9da642cacf83c9f52d4b4"));

        challenge.Parameters.ShouldBe(new AltchaParameters("PBKDF2/SHA-256", 50, 2_000_000_000, 32, "574b883285088c803a70b6cc9017104b",
            "3de3d82847cbd52167580ca6c06fa5a4f733e1003eabd6e66ae7566193e2fd46", "5fefca7b0aac6f302d4f0ce13c63b4b3", "bc96226b26b9da642cacf83c9f52d4b4"));
        challenge.Signature.ShouldBe("76458a5cd76345aedbaff11e525e8c3be9e78282f7ec7ae6473f73b6ebdb710f");
    }

    [Fact]
    public void A_new_challenge_solved_by_trying_counters_from_zero_is_solved_and_the_counter_is_the_hidden_one()
    {
        var scheme = Scheme();
        var challenge = scheme.Create(37, 10, DateTimeOffset.UtcNow.AddMinutes(1));
        var (counter, key) = Solve(challenge.Parameters);

        counter.ShouldBe(37u);
        scheme.Verify(Payload(challenge, counter, key), DateTimeOffset.UtcNow).Verdict.ShouldBe(AltchaVerdict.Solved);
    }

    [Theory]
    [InlineData("cost", "5")] // a cheaper challenge than the one signed
    [InlineData("expiresAt", "2100000000")] // a longer life
    [InlineData("keyPrefix", "\"00000000000000000000000000000000\"")]
    [InlineData("extra", "1")] // a field the signature does not cover
    public void A_challenge_with_a_changed_or_added_parameter_is_forged(string name, string json)
    {
        var payload = Edit(LibPayload, root => root["challenge"]!["parameters"]![name] = JsonNode.Parse(json));
        Scheme().Verify(payload, BeforeExpiry).Verdict.ShouldBe(AltchaVerdict.Forged);
    }

    [Fact]
    public void A_challenge_without_its_signature_or_with_another_one_or_under_other_secrets_is_forged()
    {
        Scheme().Verify(Edit(LibPayload, root => root["challenge"]!.AsObject().Remove("signature")), BeforeExpiry).Verdict.ShouldBe(AltchaVerdict.Forged);
        Scheme().Verify(Edit(LibPayload, root => root["challenge"]!["signature"] = new string('0', 64)), BeforeExpiry).Verdict.ShouldBe(AltchaVerdict.Forged);
        new AltchaScheme("another-secret", KeySignatureSecret).Verify(LibPayload, BeforeExpiry).Verdict.ShouldBe(AltchaVerdict.Forged);
    }

    [Fact]
    public void A_challenge_is_refused_as_expired_after_its_expires_at_and_accepted_up_to_it()
    {
        Scheme().Verify(LibPayload, DateTimeOffset.FromUnixTimeSeconds(2_000_000_000)).Verdict.ShouldBe(AltchaVerdict.Solved);
        Scheme().Verify(LibPayload, DateTimeOffset.FromUnixTimeSeconds(2_000_000_001)).Verdict.ShouldBe(AltchaVerdict.Expired);
    }

    [Theory]
    [InlineData("\"574b883285088c803a70b6cc9017104ba6e2689ff1a0c2b92de51145a82d38cc\"")] // one bit off
    [InlineData("\"574B883285088C803A70B6CC9017104BA6E2689FF1A0C2B92DE51145A82D38CB\"")] // the right key in capitals (altcha-lib refuses them too)
    [InlineData("\"574b883285088c803a70b6cc9017104b\"")] // just the prefix the challenge gave away
    [InlineData("1234")]
    public void A_wrong_derived_key_is_unsolved(string derivedKey)
    {
        var payload = Edit(LibPayload, root => root["solution"]!["derivedKey"] = JsonNode.Parse(derivedKey));
        Scheme().Verify(payload, BeforeExpiry).Verdict.ShouldBe(AltchaVerdict.Unsolved);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("4294967296")]
    [InlineData("1234.5")]
    [InlineData("\"1234\"")]
    public void A_counter_that_is_not_a_uint32_is_unsolved(string counter)
    {
        var payload = Edit(LibPayload, root => root["solution"]!["counter"] = JsonNode.Parse(counter));
        Scheme().Verify(payload, BeforeExpiry).Verdict.ShouldBe(AltchaVerdict.Unsolved);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("W10=")] // []
    [InlineData("e30=")] // {}
    [InlineData("eyJjaGFsbGVuZ2UiOnt9fQ==")] // {"challenge":{}}
    [InlineData("bm90IGpzb24=")] // "not json"
    public void Anything_but_a_payload_is_malformed(string payload) =>
        Scheme().Verify(payload, BeforeExpiry).Verdict.ShouldBe(AltchaVerdict.Malformed);

    [Fact]
    public void A_payload_longer_than_the_limit_is_malformed_without_being_read() =>
        Scheme().Verify(new string('A', AltchaScheme.MaxPayloadLength + 4), BeforeExpiry).Verdict.ShouldBe(AltchaVerdict.Malformed);

    [Fact]
    public void The_secrets_come_from_the_token_signing_key_so_another_key_cannot_sign_a_challenge()
    {
        var key = Encoding.UTF8.GetBytes("unit-test-signing-key-0123456789-abcdefghij");
        var challenge = AltchaScheme.FromSigningKey(key).Create(3, 5, DateTimeOffset.UtcNow.AddMinutes(1));
        var (counter, derived) = Solve(challenge.Parameters);
        var payload = Payload(challenge, counter, derived);

        AltchaScheme.FromSigningKey([.. key]).Verify(payload, DateTimeOffset.UtcNow).Verdict.ShouldBe(AltchaVerdict.Solved); // the same key, another instance
        AltchaScheme.FromSigningKey(Encoding.UTF8.GetBytes("another-signing-key-0123456789-abcdefghijk")).Verify(payload, DateTimeOffset.UtcNow)
            .Verdict.ShouldBe(AltchaVerdict.Forged);
    }

    [Fact]
    public void The_two_secrets_must_differ() =>
        Should.Throw<ArgumentException>(() => new AltchaScheme("same-secret", "same-secret"));

    // Brute force as the widget does it: counters 0, 1, 2, … until the derived key starts with the prefix.
    private static (uint Counter, byte[] Key) Solve(AltchaParameters parameters)
    {
        var nonce = Convert.FromHexString(parameters.Nonce);
        var salt = Convert.FromHexString(parameters.Salt);
        var prefix = Convert.FromHexString(parameters.KeyPrefix);
        for (uint counter = 0; ; counter++)
        {
            var key = AltchaScheme.DeriveKey(nonce, salt, counter, parameters.Cost);
            if (key.AsSpan().StartsWith(prefix))
            {
                return (counter, key);
            }
        }
    }

    private static string Payload(AltchaChallenge challenge, uint counter, byte[] key) =>
        Convert.ToBase64String(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new
        {
            challenge = challenge,
            solution = new { counter, derivedKey = Convert.ToHexStringLower(key) },
        }, System.Text.Json.JsonSerializerOptions.Web));

    private static string Edit(string payload, Action<JsonNode> edit)
    {
        var root = JsonNode.Parse(Convert.FromBase64String(payload))!;
        edit(root);
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(root.ToJsonString()));
    }
}
