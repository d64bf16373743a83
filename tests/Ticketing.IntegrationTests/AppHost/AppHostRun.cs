using Ticketing.Hosting;

namespace Ticketing.IntegrationTests.AppHost;

/// <summary>
/// The settings of one AppHost run of a test: a data folder of its own (deleted on dispose) and free ports for every resource,
/// as the environment to launch it with, plus <paramref name="settings"/> for the services.
/// </summary>
internal sealed class AppHostRun : IDisposable
{
    public AppHostRun(IReadOnlyDictionary<string, string?>? settings = null)
    {
        DataDirectory = Path.Combine(Path.GetTempPath(), $"ticketing-apphost-{Guid.NewGuid():N}");
        foreach (var resource in new[] { "POSTGRES", "REDIS", "API", "QUEUEWORKER", "WEB", "DASHBOARD" })
        {
            Ports[$"TICKETING_{resource}_PORT"] = FreePort.Next();
        }

        Environment = new Dictionary<string, string?>(Ports.ToDictionary(p => p.Key, p => (string?)p.Value.ToString()))
        {
            ["TICKETING_DATA_DIR"] = DataDirectory,
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string?>())
        {
            Environment[name] = value;
        }
    }

    public string DataDirectory { get; }

    public Dictionary<string, int> Ports { get; } = [];

    public Dictionary<string, string?> Environment { get; }

    public string Url(string resource) => $"http://127.0.0.1:{Ports[$"TICKETING_{resource.ToUpperInvariant()}_PORT"]}";

    /// <summary>The connection string of the run's Postgres (password from its secrets.json); unpooled, as it may restart.</summary>
    public string Postgres()
    {
        var password = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(DataDirectory, "secrets.json"))).RootElement.GetProperty("PostgresPassword").GetString();
        return $"Host=127.0.0.1;Port={Ports["TICKETING_POSTGRES_PORT"]};Username=postgres;Password={password};Database=ticketing;Pooling=false";
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Postgres may have made files only its OS user can delete; /tmp is cleaned by the system.
        }
    }
}
