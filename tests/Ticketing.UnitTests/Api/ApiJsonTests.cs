using System.Text.Json;
using Ticketing.Api.Infrastructure;

namespace Ticketing.UnitTests.Api;

public class ApiJsonTests
{
    private sealed record Sample(DateTimeOffset At, long Points);

    [Fact]
    public void Times_are_written_as_utc_with_a_z_and_names_in_camel_case()
    {
        var json = JsonSerializer.Serialize(new Sample(new DateTimeOffset(2026, 12, 24, 19, 0, 0, TimeSpan.FromHours(9)), 5), ApiJson.Options);
        json.ShouldBe("""{"at":"2026-12-24T10:00:00Z","points":5}""");
    }

    [Fact]
    public void Fractions_of_a_second_are_kept()
    {
        var json = JsonSerializer.Serialize(new Sample(new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero), 0), ApiJson.Options);
        json.ShouldContain("\"2026-01-02T03:04:05.678Z\"");
    }

    [Fact]
    public void Written_times_read_back_to_the_same_instant()
    {
        var at = new DateTimeOffset(2026, 11, 22, 16, 0, 0, 123, TimeSpan.Zero).AddTicks(4567);
        var back = JsonSerializer.Deserialize<Sample>(JsonSerializer.Serialize(new Sample(at, 1), ApiJson.Options), ApiJson.Options)!;
        back.At.ShouldBe(at);
    }
}
