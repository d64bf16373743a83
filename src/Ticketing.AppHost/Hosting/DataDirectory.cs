using Microsoft.Extensions.Configuration;
using System.Security.Cryptography;
using System.Text.Json;

namespace Ticketing.AppHost.Hosting;

/// <summary>
/// The run's data folder: <c>.data/</c> of the checkout, or the folder <c>TICKETING_DATA_DIR</c> names. It holds Postgres's
/// cluster (<c>postgres/</c>), Redis's append-only file (<c>redis/</c>) and <c>secrets.json</c>; delete it to start afresh.
/// Created private: the folder 0711 (the <c>postgres</c> OS user must pass through it, not list it), secrets 0600 from the
/// first byte.
/// </summary>
public static class DataDirectory
{
    /// <summary>The folder for <paramref name="configuration"/>, created when missing.</summary>
    public static string Resolve(IConfiguration configuration)
    {
        var path = configuration["TICKETING_DATA_DIR"] is { Length: > 0 } given
            ? Path.GetFullPath(given)
            : Path.Combine(RepositoryRoot, ".data");
        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        return path;
    }

    /// <summary>The checkout: the first folder above the running assembly that holds <c>Ticketing.sln</c> (else the working folder).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ticketing.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}

/// <summary>
/// Generated once per data folder and reused across runs (<c>secrets.json</c>, mode 0600): the Postgres superuser's password,
/// the Redis password and the Api's token signing key (base64 of 32 random bytes). As Aspire's integrations do, every local
/// server gets a password of its own; the AppHost hands them to the services as secret parameters.
/// </summary>
/// <param name="PostgresPassword">Password of the <c>postgres</c> superuser (hex, 48 characters).</param>
/// <param name="SigningKey">The Api's HMAC-SHA256 token signing key (base64, 32 bytes).</param>
/// <param name="RedisPassword">Redis's <c>requirepass</c> (hex, 48 characters); null in files written before it existed.</param>
/// <param name="DatabasePassword">Password of the <c>ticketing_owner</c> role the services connect as (hex, 48 characters); null in files written before it existed.</param>
public sealed record AppSecrets(string PostgresPassword, string SigningKey, string? RedisPassword, string? DatabasePassword = null)
{
    /// <summary>Reads <c>secrets.json</c> of <paramref name="dataDirectory"/>, creating it on the first run and adding what is missing.</summary>
    /// <exception cref="InvalidOperationException">The file is unreadable; the message says what to delete.</exception>
    public static AppSecrets LoadOrCreate(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, "secrets.json");
        AppSecrets? secrets = null;
        if (File.Exists(path))
        {
            secrets = JsonSerializer.Deserialize<AppSecrets>(File.ReadAllText(path))
                ?? throw new InvalidOperationException($"{path} is unreadable; delete it (and the postgres folder beside it) to start afresh.");
            if (secrets is { RedisPassword: not null, DatabasePassword: not null })
            {
                return secrets;
            }
        }

        // Secrets added by later versions are generated into an earlier run's file.
        var complete = (secrets ?? new AppSecrets(NewPassword(), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), null)) is var found
            ? found with { RedisPassword = found.RedisPassword ?? NewPassword(), DatabasePassword = found.DatabasePassword ?? NewPassword() }
            : throw new InvalidOperationException();
        var temporary = path + ".new";
        File.Delete(temporary);
        using (var file = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite, // never readable by others, not even for a moment
        }))
        {
            JsonSerializer.Serialize(file, complete);
        }

        File.Move(temporary, path, overwrite: true);
        return complete;
    }

    private static string NewPassword() => Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
}
