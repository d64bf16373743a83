using Ticketing.WaitingRoom;

namespace Ticketing.UnitTests.WaitingRoom;

public class QueueKeysTests
{
    private static readonly Guid Concert = Guid.Parse("11111111-2222-3333-4444-555555555555");
    private static readonly Guid User = Guid.Parse("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");

    [Fact]
    public void Concert_keys_share_the_concert_prefix_and_differ_by_role()
    {
        var keys = new[]
        {
            QueueKeys.Waiting(Concert), QueueKeys.Seen(Concert), QueueKeys.Active(Concert), QueueKeys.User(Concert, User),
            QueueKeys.Opens(Concert), QueueKeys.Draw(Concert), QueueKeys.Drawn(Concert),
        };
        keys.ShouldAllBe(k => k.StartsWith("wr:11111111222233334444555555555555:"));
        keys.Distinct().Count().ShouldBe(keys.Length);
        QueueKeys.Active(Concert).ShouldBe("wr:11111111222233334444555555555555:active");
    }

    [Fact]
    public void A_token_key_is_the_prefix_the_scripts_use_plus_the_id()
    {
        var token = Guid.NewGuid();
        QueueKeys.Token(token).ShouldBe(QueueKeys.TokenPrefix + token.ToString("N"));
    }
}
