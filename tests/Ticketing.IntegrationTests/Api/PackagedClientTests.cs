using System.IO.Compression;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Api;

/// <summary>
/// The Refit client as an outside .NET developer gets it (issue 20): <c>dotnet pack src/Ticketing.Client</c> into a folder, then a
/// console app outside this repository that knows only that folder (as a NuGet source) and the Api's URL, registers the client with
/// its DI extension and calls the running Api.
/// </summary>
[Collection(HeavyRuns.Name)]
public class PackagedClientTests(DefaultSystem fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task The_packed_client_installs_from_a_local_folder_and_calls_the_Api_from_an_app_outside_the_repository()
    {
        var root = Ticketing.AppHost.Hosting.DataDirectory.RepositoryRoot;
        var work = Directory.CreateTempSubdirectory("ticketing-client-");
        try
        {
            // A version of its own per run, so the machine's NuGet cache never hands back an older build of the package.
            var version = $"1.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmssfff}";
            var feed = Directory.CreateDirectory(Path.Combine(work.FullName, "feed")).FullName;
            await DotnetAsync(root, "pack", Path.Combine(root, "src", "Ticketing.Client"), "-c", "Release", "-o", feed, $"-p:Version={version}", "--nologo");

            var package = Path.Combine(feed, $"Ticketing.Client.{version}.nupkg");
            using (var zip = ZipFile.OpenRead(package))
            {
                var entries = zip.Entries.Select(e => e.FullName).ToList();
                entries.ShouldContain("README.md");
                entries.ShouldContain("lib/net10.0/Ticketing.Client.dll");
                entries.ShouldContain("lib/net10.0/Ticketing.Client.xml"); // the docstrings, for IntelliSense
            }

            var app = Directory.CreateDirectory(Path.Combine(work.FullName, "app")).FullName;
            await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="ticketing-client" value="{feed}" />
                  </packageSources>
                </configuration>
                """, TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(Path.Combine(app, "App.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="Ticketing.Client" Version="{version}" />
                  </ItemGroup>
                </Project>
                """, TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), """
                using Microsoft.Extensions.DependencyInjection;
                using Ticketing.Client;

                var services = new ServiceCollection();
                services.AddTicketingApiClient(new Uri(args[0]));
                await using var provider = services.BuildServiceProvider();
                var api = provider.GetRequiredService<ITicketingApi>();
                var concerts = (await api.GetConcertsAsync()).Content ?? [];
                var hold = await api.GetHoldAsync(Guid.NewGuid());
                Console.WriteLine($"listed {args[1]}: {concerts.Any(c => c.ConcertId == Guid.Parse(args[1]))}");
                Console.WriteLine($"a hold without a token: {(int)hold.StatusCode} {hold.Problem()?.Code}");
                """, TestContext.Current.CancellationToken);

            var concert = await TestCatalog.CreateConcertAsync(fixture.Postgres, title: "Packaged Client");
            var report = await DotnetAsync(app, "run", "--", fixture.Driver.Http.BaseAddress!.ToString(), concert.ConcertId.ToString());
            report.ShouldContain($"listed {concert.ConcertId}: True");
            report.ShouldContain("a hold without a token: 401 UNAUTHORIZED");
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private async Task<string> DotnetAsync(string directory, params string[] arguments)
    {
        var (_, stdout, stderr) = await Tools.RunAsync(output, "dotnet", directory, arguments,
            new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" });
        return stdout + stderr;
    }
}
