using System.Diagnostics;
using System.Text.Json.Nodes;
using Ticketing.Client;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.Api;

/// <summary>
/// The served OpenAPI document (<c>/openapi/v1.json</c>) as a contract an outside developer can build on (issue 20): linted by a
/// well-kept linter (Redocly CLI, installed by scripts/setup.sh from tools/openapi) with zero errors, and checked for what
/// generators need — auth, headers, types, enums, problem responses, operation ids. The document is kept in
/// <c>artifacts/openapi/v1.json</c> after the run.
/// </summary>
public class OpenApiDocumentTests(DefaultSystem fixture, ITestOutputHelper output)
{
    private static readonly string ToolsDirectory = Path.Combine(Ticketing.AppHost.Hosting.DataDirectory.RepositoryRoot, "tools", "openapi");

    [Fact]
    public async Task The_document_passes_the_Redocly_linter_with_no_errors_and_no_warnings()
    {
        var file = await SaveDocumentAsync();
        var redocly = Path.Combine(ToolsDirectory, "node_modules", ".bin", "redocly");
        File.Exists(redocly).ShouldBeTrue($"{redocly} is missing: scripts/setup.sh installs it (npm ci in tools/openapi)");

        var start = new ProcessStartInfo(redocly)
        {
            ArgumentList = { "lint", file, "--config", Path.Combine(ToolsDirectory, "redocly.yaml"), "--format", "stylish" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = ToolsDirectory,
        };
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        using var lint = Process.Start(start)!;
        var stdout = lint.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = lint.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await lint.WaitForExitAsync(TestContext.Current.CancellationToken);
        var problems = await stdout; // one line per finding (stylish format); the summary and any Node.js notice go to stderr
        var report = problems + await stderr;
        output.WriteLine(report);
        lint.ExitCode.ShouldBe(0, report);
        report.ShouldContain("Your API description is valid", Case.Sensitive, report);
        problems.ShouldNotContain(" error ", Case.Sensitive, report);
        problems.ShouldNotContain(" warning ", Case.Sensitive, report); // the one rule turned off is justified in redocly.yaml
    }

    [Fact]
    public async Task Every_operation_has_an_id_its_auth_its_headers_and_problem_json_for_every_error()
    {
        var document = JsonNode.Parse(await fixture.Driver.Http.GetStringAsync("/openapi/v1.json"))!;
        document["components"]!["securitySchemes"]!["bearer"]!["scheme"]!.GetValue<string>().ShouldBe("bearer");
        document["servers"]!.AsArray().Single()!["url"]!.GetValue<string>().ShouldBe("/");

        var operations = document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Where(m => m.Key is "get" or "post" or "patch" or "delete")
                .Select(m => (Path: p.Key, Method: m.Key, Operation: m.Value!)))
            .ToList();
        operations.Count.ShouldBeGreaterThanOrEqualTo(25);
        foreach (var (path, method, operation) in operations)
        {
            var where = $"{method.ToUpperInvariant()} {path}";
            path.ShouldNotEndWith("/", where);
            operation["operationId"]?.GetValue<string>().ShouldNotBeNullOrWhiteSpace(where);
            operation["summary"]!.GetValue<string>().ShouldNotContain("<", Case.Sensitive, where);
            foreach (var (status, response) in operation["responses"]!.AsObject().Where(r => r.Key[0] is '4' or '5'))
            {
                response!["content"]!.AsObject().Select(c => c.Key).ShouldBe(["application/problem+json"], $"{where} {status}");
            }

            operation["responses"]!["429"].ShouldNotBeNull(where);
        }

        // Anonymous routes say so; the others need the bearer token and document their 401.
        foreach (var (path, method) in new[] { ("/api/users", "post"), ("/api/auth/token", "post"), ("/api/concerts", "get"), ("/api/challenge", "get") })
        {
            Operation(document, path, method)["security"]!.AsArray().Count.ShouldBe(0, path);
        }

        Operation(document, "/api/balance", "get")["responses"]!["401"].ShouldNotBeNull();
        document["security"]!.AsArray().Single()!["bearer"].ShouldNotBeNull();

        // The queue pass and the idempotency key are declared where the Api reads them.
        Headers(document, "/api/holds", "post").ShouldContain(ApiContract.Headers.QueueToken);
        Headers(document, "/api/payments", "post").ShouldBe([ApiContract.Headers.QueueToken, ApiContract.Headers.IdempotencyKey], ignoreOrder: true);
        Headers(document, "/api/balance/charges", "post").ShouldBe([ApiContract.Headers.IdempotencyKey]);
        Operation(document, "/api/concerts/{concertId}/queue/events", "get")["parameters"]!.AsArray()
            .Select(p => p!["name"]!.GetValue<string>()).ShouldContain("queueToken");
    }

    [Fact]
    public async Task Times_points_statuses_and_problems_have_real_types_and_enums()
    {
        var schemas = JsonNode.Parse(await fixture.Driver.Http.GetStringAsync("/openapi/v1.json"))!["components"]!["schemas"]!;

        // Every date-time says it is a string; no integer also allows a string.
        foreach (var (name, schema) in schemas.AsObject())
        {
            foreach (var (property, value) in schema!["properties"]?.AsObject() ?? [])
            {
                var types = TypesOf(value!);
                if (value!["format"]?.GetValue<string>() == "date-time")
                {
                    types.ShouldContain("string", $"{name}.{property}");
                }

                if (types.Contains("integer"))
                {
                    types.ShouldNotContain("string", $"{name}.{property}");
                }
            }
        }

        TypesOf(schemas["ChargeRequest"]!["properties"]!["amount"]!).ShouldContain("integer");
        schemas["ChargeRequest"]!["properties"]!["amount"]!["minimum"]!.GetValue<decimal>().ShouldBe(1);
        EnumOf(schemas["QueueStatusResponse"]!["properties"]!["status"]!).ShouldBe([.. typeof(ApiContract.QueueStatus).GetFields().Select(f => (string)f.GetValue(null)!)], ignoreOrder: true);
        schemas["QueueStatusResponse"]!["required"]!.AsArray().Select(r => r!.GetValue<string>())
            .ShouldBe(["status", "position", "estimatedWaitSeconds", "activeUntil", "opensAt"], ignoreOrder: true);

        var problem = schemas["ProblemDetails"]!;
        EnumOf(problem["properties"]!["code"]!).ShouldBe([.. typeof(ApiContract.ErrorCodes).GetFields().Select(f => (string)f.GetValue(null)!)], ignoreOrder: true);
        problem["properties"]!["traceId"].ShouldNotBeNull();
    }

    private async Task<string> SaveDocumentAsync()
    {
        var directory = Path.Combine(Ticketing.AppHost.Hosting.DataDirectory.RepositoryRoot, "artifacts", "openapi");
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, "v1.json");
        await File.WriteAllTextAsync(file, await fixture.Driver.Http.GetStringAsync("/openapi/v1.json"), TestContext.Current.CancellationToken);
        return file;
    }

    private static JsonNode Operation(JsonNode document, string path, string method) => document["paths"]![path]![method]!;

    private static List<string> Headers(JsonNode document, string path, string method) =>
        [.. (Operation(document, path, method)["parameters"]?.AsArray() ?? []).Where(p => p!["in"]!.GetValue<string>() == "header")
            .Select(p => p!["name"]!.GetValue<string>()).Where(n => n != "X-Challenge-Solution")];

    private static List<string> TypesOf(JsonNode schema) => schema["type"] switch
    {
        JsonArray many => [.. many.Select(t => t!.GetValue<string>())],
        JsonValue one => [one.GetValue<string>()],
        _ => [],
    };

    private static List<string> EnumOf(JsonNode schema) => [.. schema["enum"]!.AsArray().Where(v => v is not null).Select(v => v!.GetValue<string>())];
}
