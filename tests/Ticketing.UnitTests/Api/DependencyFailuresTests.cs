using StackExchange.Redis;
using Ticketing.Api.Infrastructure;

namespace Ticketing.UnitTests.Api;

public class DependencyFailuresTests
{
    [Fact]
    public void A_bare_exception_thrown_inside_the_redis_client_is_a_dependency_failure()
    {
        // A multiplexer that never connected (nothing listens on port 1), then disposed: the client itself throws, with no
        // Redis exception type — as a command caught mid-write by a dying Redis does.
        var redis = ConnectionMultiplexer.Connect("127.0.0.1:1,abortConnect=false,connectTimeout=100");
        var database = redis.GetDatabase();
        redis.Dispose();
        var thrown = Should.Throw<Exception>(() => database.StringGet("key"));
        thrown.ShouldNotBeAssignableTo<RedisException>();
        DependencyFailures.IsUnavailable(thrown).ShouldBeTrue(thrown.ToString());
    }

    [Fact]
    public void Redis_connection_timeout_and_not_now_replies_are_dependency_failures_and_a_wrong_command_is_not()
    {
        DependencyFailures.IsUnavailable(new RedisConnectionException(ConnectionFailureType.SocketClosed, "closed")).ShouldBeTrue();
        DependencyFailures.IsUnavailable(new RedisTimeoutException("slow", CommandStatus.Sent)).ShouldBeTrue();
        DependencyFailures.IsUnavailable(new RedisServerException("LOADING Redis is loading the dataset in memory")).ShouldBeTrue();
        DependencyFailures.IsUnavailable(new RedisServerException("ERR Error running script")).ShouldBeFalse("a script bug is a 500");
        DependencyFailures.IsUnavailable(new InvalidOperationException("ours", new RedisConnectionException(ConnectionFailureType.SocketFailure, "x"))).ShouldBeTrue();
    }

    [Fact]
    public void An_exception_of_our_own_code_is_not_a_dependency_failure()
    {
        var thrown = Should.Throw<InvalidOperationException>(() => throw new InvalidOperationException("a bug"));
        DependencyFailures.IsUnavailable(thrown).ShouldBeFalse();
    }
}
