using Ticketing.IntegrationTests.Support;

// One set of real servers and one default system for the whole run; test classes run in parallel against it.
[assembly: AssemblyFixture(typeof(DefaultSystem))]
