using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Ticketing.Api.Auth;

namespace Ticketing.UnitTests.Api;

public class TokenSigningTests
{
    private static TokenSigning Signing(string key = "unit-test-signing-key-0123456789-abcdefghij") =>
        new(Options.Create(new AuthOptions { SigningKey = key }));

    private static string Issue(TokenSigning signing, string audience, TimeSpan? lifetime = null)
    {
        var now = DateTimeOffset.UtcNow;
        return signing.Create(audience, [new Claim("sub", Guid.NewGuid().ToString())], now.AddMinutes(-1), now + (lifetime ?? TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public async Task A_token_validates_for_its_own_audience()
    {
        var signing = Signing();
        (await signing.ValidateAsync(Issue(signing, TokenSigning.AccessAudience), TokenSigning.AccessAudience)).IsValid.ShouldBeTrue();
    }

    [Fact]
    public async Task A_queue_token_is_not_an_access_token()
    {
        var signing = Signing();
        (await signing.ValidateAsync(Issue(signing, TokenSigning.QueueAudience), TokenSigning.AccessAudience)).IsValid.ShouldBeFalse();
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_rejected()
    {
        var forged = Issue(Signing("another-key-that-is-long-enough-0123456789"), TokenSigning.AccessAudience);
        (await Signing().ValidateAsync(forged, TokenSigning.AccessAudience)).IsValid.ShouldBeFalse();
    }

    [Fact]
    public async Task An_expired_token_is_rejected()
    {
        var signing = Signing();
        var now = DateTimeOffset.UtcNow;
        var expired = signing.Create(TokenSigning.AccessAudience, [new Claim("sub", "x")], now.AddHours(-2), now.AddHours(-1));
        (await signing.ValidateAsync(expired, TokenSigning.AccessAudience)).IsValid.ShouldBeFalse();
    }

    [Fact]
    public async Task An_unsigned_alg_none_token_is_rejected()
    {
        var signing = Signing();
        var valid = new JsonWebToken(Issue(signing, TokenSigning.AccessAudience));
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var payload = valid.EncodedPayload;
        var unsigned = $"{B64("""{"alg":"none","typ":"JWT"}""")}.{payload}.";
        (await signing.ValidateAsync(unsigned, TokenSigning.AccessAudience)).IsValid.ShouldBeFalse();
    }
}
