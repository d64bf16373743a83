// A Kestrel minimal-API hello-world JSON endpoint (shared/ENVIRONMENT.md "Ceilings"): every endpoint of the Api shares
// this ceiling, so ./bench.sh reports each path as a ratio to it. Logging is off, as in the TechEmpower-style baseline.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapGet("/", () => new { message = "Hello, World!" });
app.Run();
