using System.Diagnostics;

namespace Ticketing.IntegrationTests.Support;

/// <summary>Runs the command-line tools an outside developer would (dotnet pack, npm's tools, node) from a test.</summary>
public static class Tools
{
    /// <summary>
    /// Runs <paramref name="program"/> with <paramref name="arguments"/> in <paramref name="directory"/> to its end (killed after
    /// <paramref name="timeout"/>, default 3 min); writes the command and its output to <paramref name="output"/> and returns the
    /// output (stdout then stderr). With <paramref name="mustSucceed"/> a non-zero exit fails the test with that output.
    /// </summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(ITestOutputHelper output, string program, string directory,
        IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, bool mustSucceed = true, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(timeout ?? TimeSpan.FromMinutes(3));
        var stdout = process.StandardOutput.ReadToEndAsync(limit.Token);
        var stderr = process.StandardError.ReadToEndAsync(limit.Token);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var (outText, errText) = (await stdout, await stderr);
        output.WriteLine($"$ {Path.GetFileName(program)} {string.Join(' ', start.ArgumentList)} (exit {process.ExitCode})\n{outText}{errText}");
        if (mustSucceed)
        {
            process.ExitCode.ShouldBe(0, $"{Path.GetFileName(program)} failed:\n{outText}{errText}");
        }

        return (process.ExitCode, outText, errText);
    }
}
