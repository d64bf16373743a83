using Ticketing.Api.Users;

namespace Ticketing.UnitTests.Api;

public class UserRulesTests
{
    [Theory]
    [InlineData("abc")]
    [InlineData("Alice_01")]
    [InlineData("a.b-c")]
    [InlineData("abcdefghijklmnopqrstuvwxyz012345")] // 32
    public void Names_of_3_to_32_allowed_characters_are_valid(string name) => UserRules.IsValidName(name).ShouldBeTrue();

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("ab")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456")] // 33
    [InlineData("has space")]
    [InlineData("émile")]
    [InlineData("semi;colon")]
    public void Names_outside_the_rule_are_invalid(string? name) => UserRules.IsValidName(name).ShouldBeFalse();

    [Theory]
    [InlineData("vivid-otter-42", true)]
    [InlineData("vivid-o", false)]
    [InlineData(null, false)]
    public void Passwords_need_at_least_8_characters(string? password, bool strong) =>
        UserRules.IsStrongPassword(password, "alice").ShouldBe(strong);

    [Theory]
    [InlineData("12345678")]
    [InlineData("password")]
    [InlineData("qwertyuiop")]
    [InlineData("iloveyou123")]
    [InlineData("aaaaaaaaaa")]
    [InlineData("alice1234")] // the name plus a sequence
    public void Common_or_easily_guessed_passwords_are_weak_NIST_SP_800_63B(string password) =>
        UserRules.IsStrongPassword(password, "alice").ShouldBeFalse();

    [Fact]
    public void A_password_equal_to_the_name_is_weak() => UserRules.IsStrongPassword("AliceAlice", "alicealice").ShouldBeFalse();

    [Fact]
    public void A_password_over_128_characters_is_refused() => UserRules.IsStrongPassword(new string('x', 129), "alice").ShouldBeFalse();
}
