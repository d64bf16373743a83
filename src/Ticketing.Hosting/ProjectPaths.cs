namespace Ticketing.Hosting;

/// <summary>Where the repository and the services' built assemblies are.</summary>
public static class ProjectPaths
{
    /// <summary>The folder holding <c>Ticketing.sln</c>, found by walking up from this assembly's folder.</summary>
    /// <exception cref="InvalidOperationException">Not run from inside a checkout.</exception>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The build configuration this assembly was built with (<c>Release</c> or <c>Debug</c>), read from its output path.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar).Reverse().Skip(2).FirstOrDefault() is "Debug" ? "Debug" : "Release";

    /// <summary><c>src/{project}/bin/{configuration}/net10.0/{project}.dll</c>; <paramref name="configuration"/> defaults to <see cref="Configuration"/>.</summary>
    /// <exception cref="FileNotFoundException">The project has not been built in that configuration.</exception>
    public static string ServiceDll(string project, string? configuration = null)
    {
        var path = Path.Combine(RepositoryRoot, "src", project, "bin", configuration ?? Configuration, "net10.0", project + ".dll");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{path} is missing: build the solution first (scripts/setup.sh).", path);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ticketing.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Ticketing.sln above {AppContext.BaseDirectory}.");
    }
}
