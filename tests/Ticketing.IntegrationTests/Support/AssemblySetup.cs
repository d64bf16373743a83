using Ticketing.IntegrationTests.Support;

// One set of real servers and one default system for the whole run; test classes run in parallel against it.
[assembly: AssemblyFixture(typeof(DefaultSystem))]

// The AppHost's resources run Debian's servers: this suite, like the AppHost, is for Linux.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
