using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Ticketing.Hosting;
using Ticketing.IntegrationTests.Support;

namespace Ticketing.IntegrationTests.AppHost;

/// <summary>The README run command's orchestrator, run for real on free ports with a data folder of its own.</summary>
public class AppHostTests(Support.DefaultSystem fixture)
{
    [Fact]
    public async Task Outside_connection_strings_make_the_apphost_use_those_servers_and_start_none()
    {
        var api = FreePort.Next();
        var view = FreePort.Next();
        using var launched = Launch(new Dictionary<string, string?>
        {
            ["TICKETING_DATA_DIR"] = Path.Combine(Path.GetTempPath(), $"ticketing-apphost-{Guid.NewGuid():N}"),
            ["TICKETING_API_PORT"] = api.ToString(),
            ["TICKETING_QUEUEWORKER_PORT"] = FreePort.Next().ToString(),
            ["TICKETING_WEB_PORT"] = FreePort.Next().ToString(),
            ["TICKETING_DASHBOARD_PORT"] = view.ToString(),
            ["ConnectionStrings__postgres"] = await fixture.CreateDatabaseAsync("apphost_external"),
            ["ConnectionStrings__redis"] = fixture.SpareRedisDatabase(),
            ["ConnectionStrings__kafka"] = fixture.System.Kafka, // its model declared queue.joins
        });
        try
        {
            await Task.WhenAny(launched.Running, launched.Process.WaitForExitAsync(), Task.Delay(TimeSpan.FromMinutes(3)));
            launched.Running.IsCompleted.ShouldBeTrue($"The AppHost did not come up:{Environment.NewLine}{Tail(launched.Output)}");

            var children = ChildrenOf(launched.Process.Id).Select(pid => File.ReadAllText($"/proc/{pid}/comm").Trim()).ToList();
            children.ShouldNotContain("postgres");
            children.ShouldNotContain("redis-server");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{api}/api/concerts"))!.AsArray().Count.ShouldBeGreaterThanOrEqualTo(3);
            var resources = System.Text.RegularExpressions.Regex.Replace(await http.GetStringAsync($"http://127.0.0.1:{view}/"), @">\s+<", "><"); // markup, whitespace aside
            foreach (var resource in new[] { "postgres", "redis", "kafka" })
            {
                resources.ShouldContain($"data-resource=\"{resource}\"><td><b>{resource}</b></td><td class=\"state-external\">external");
            }

            NativeProcess.Signal(launched.Process.Id, NativeProcess.SigInt).ShouldBeTrue();
            await launched.Process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
            launched.Process.ExitCode.ShouldBe(0, Tail(launched.Output));
            (await Support.TestCatalog.ScalarAsync<int>(fixture.Postgres, "SELECT 1")).ShouldBe(1, "the outside Postgres is left running");
        }
        finally
        {
            if (!launched.Process.HasExited)
            {
                launched.Process.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task The_apphost_brings_every_resource_up_and_ctrl_c_leaves_no_process_behind()
    {
        using var run = new AppHostRun();
        var (ports, environment, dataDirectory) = (run.Ports, run.Environment, run.DataDirectory);
        using var launched = Launch(environment);
        var (apphost, output, running) = (launched.Process, launched.Output, launched.Running);
        try
        {
            await Task.WhenAny(running, apphost.WaitForExitAsync(), Task.Delay(TimeSpan.FromMinutes(3)));
            running.IsCompleted.ShouldBeTrue($"The AppHost did not come up:{Environment.NewLine}{Tail(output)}");

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var api = $"http://127.0.0.1:{ports["TICKETING_API_PORT"]}";
            var concerts = JsonNode.Parse(await http.GetStringAsync($"{api}/api/concerts"))!.AsArray();
            concerts.Count.ShouldBeGreaterThanOrEqualTo(3, "the dev catalog is seeded before the Api serves");
            foreach (var port in new[] { ports["TICKETING_API_PORT"], ports["TICKETING_QUEUEWORKER_PORT"], ports["TICKETING_WEB_PORT"] })
            {
                (await http.GetAsync($"http://127.0.0.1:{port}/health")).StatusCode.ShouldBe(HttpStatusCode.OK);
                (await http.GetAsync($"http://127.0.0.1:{port}/alive")).StatusCode.ShouldBe(HttpStatusCode.OK);
            }

            (await http.GetAsync($"{api}/openapi/v1.json")).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await http.GetAsync($"http://127.0.0.1:{ports["TICKETING_WEB_PORT"]}/")).StatusCode.ShouldBe(HttpStatusCode.OK);
            // The developer view lists every resource and receives the services' telemetry.
            var view = $"http://127.0.0.1:{ports["TICKETING_DASHBOARD_PORT"]}";
            var resources = await http.GetStringAsync(view + "/");
            foreach (var resource in new[] { "postgres", "redis", "kafka", "api", "queueworker", "web" })
            {
                resources.ShouldContain($"data-resource=\"{resource}\"");
            }

            var deadline = DateTime.UtcNow.AddSeconds(20);
            string traces;
            do
            {
                await http.GetStringAsync($"http://127.0.0.1:{ports["TICKETING_WEB_PORT"]}/");
                await Task.Delay(500);
                traces = await http.GetStringAsync(view + "/traces?service=web");
            }
            while (!traces.Contains("svc-1\">api<", StringComparison.Ordinal) && DateTime.UtcNow < deadline);
            traces.ShouldContain("svc-1\">api<", Case.Sensitive, "a page of the Web calls the Api in the same trace");
            (await http.GetStringAsync(view + "/console/api")).ShouldContain("Now listening on");

            // The developer view's resource commands, as Aspire's dashboard has them: restart, stop, start.
            var web = $"http://127.0.0.1:{ports["TICKETING_WEB_PORT"]}";
            var apiPid = File.ReadAllText(Path.Combine(dataDirectory, "run", "api.pid")).Split(' ')[0];
            (await http.PostAsync($"{view}/resources/api/restart", null)).StatusCode.ShouldBe(HttpStatusCode.OK, "the command redirects back to the resources");
            (await http.GetAsync($"{api}/health")).StatusCode.ShouldBe(HttpStatusCode.OK, "restart returns once the Api is healthy again");
            File.ReadAllText(Path.Combine(dataDirectory, "run", "api.pid")).Split(' ')[0].ShouldNotBe(apiPid, "a new Api process");
            await http.PostAsync($"{view}/resources/web/stop", null);
            (await FreePort.IsListeningAsync(ports["TICKETING_WEB_PORT"])).ShouldBeFalse("web stopped on request");
            (await http.GetStringAsync(view + "/")).ShouldContain("class=\"state-stopped\">stopped");
            await http.PostAsync($"{view}/resources/web/start", null);
            (await http.GetAsync($"{web}/health")).StatusCode.ShouldBe(HttpStatusCode.OK, "start returns once the Web is healthy again");
            using (var forged = new HttpRequestMessage(HttpMethod.Post, $"{view}/resources/api/stop"))
            {
                forged.Headers.Add("Origin", "http://attacker.example");
                (await http.SendAsync(forged)).StatusCode.ShouldBe(HttpStatusCode.Forbidden, "another site's page cannot stop the system");
            }

            var children = ChildrenOf(apphost.Id);
            children.Count.ShouldBeGreaterThanOrEqualTo(5, "postgres, redis, api, queueworker and web run as child processes");

            NativeProcess.Signal(apphost.Id, NativeProcess.SigInt).ShouldBeTrue();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await apphost.WaitForExitAsync(timeout.Token);
            apphost.ExitCode.ShouldBe(0, Tail(output));
            foreach (var child in children)
            {
                File.Exists($"/proc/{child}/stat").ShouldBeFalse($"process {child} outlived the AppHost");
            }

            foreach (var port in ports.Values)
            {
                (await FreePort.IsListeningAsync(port)).ShouldBeFalse($"port {port} is still open after Ctrl+C");
            }

            string joined;
            lock (output)
            {
                joined = string.Join('\n', output);
            }

            joined.IndexOf("Stopping web", StringComparison.Ordinal).ShouldBeLessThan(joined.IndexOf("Stopping api", StringComparison.Ordinal), "services stop in reverse order");
            joined.IndexOf("Stopping api", StringComparison.Ordinal).ShouldBeLessThan(joined.IndexOf("Stopping postgres", StringComparison.Ordinal));
        }
        finally
        {
            if (!apphost.HasExited)
            {
                apphost.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task An_apphost_killed_with_sigkill_leaves_no_process_or_port_within_5_s_and_the_next_run_starts()
    {
        // Two Api replicas (WithReplicas): one more child, one more port to leave behind.
        using var run = new AppHostRun(new Dictionary<string, string?> { ["TICKETING_API_REPLICAS"] = "2" });
        var (ports, environment) = (run.Ports, run.Environment);
        var launched = new List<Launched>();
        try
        {
            {
                var first = Launch(environment);
                launched.Add(first);
                await Task.WhenAny(first.Running, first.Process.WaitForExitAsync(), Task.Delay(TimeSpan.FromMinutes(3)));
                first.Running.IsCompleted.ShouldBeTrue($"The AppHost did not come up:{Environment.NewLine}{Tail(first.Output)}");
                var children = ChildrenOf(first.Process.Id);
                children.Count.ShouldBeGreaterThanOrEqualTo(6, "postgres, redis, two Apis, queueworker and web run as child processes");
                using (var http = new HttpClient())
                {
                    var secondApi = $"http://127.0.0.1:{ports["TICKETING_API_PORT"] + 1}";
                    (await http.GetAsync($"{secondApi}/health")).StatusCode.ShouldBe(HttpStatusCode.OK, "the second Api replica listens on the next port");
                    File.Exists(Path.Combine(run.DataDirectory, "run", "api-2.pid")).ShouldBeTrue();
                }

                // A closed terminal, an OOM kill or a CI timeout: no chance to stop anything in order.
                first.Process.Kill();
                var deadline = DateTime.UtcNow.AddSeconds(5);
                while ((children.Any(IsAlive) || await AnyListeningAsync(ports.Values)) && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                }

                children.Where(IsAlive).ShouldBeEmpty("every child of the AppHost gets its parent-death signal");
                foreach (var port in ports.Values.Append(ports["TICKETING_API_PORT"] + 1))
                {
                    (await FreePort.IsListeningAsync(port)).ShouldBeFalse($"port {port} is still open 5 s after the AppHost was killed");
                }
            }

            // The next run on the same data folder starts, and stops cleanly.
            var second = Launch(environment);
            launched.Add(second);
            await Task.WhenAny(second.Running, second.Process.WaitForExitAsync(), Task.Delay(TimeSpan.FromMinutes(3)));
            second.Running.IsCompleted.ShouldBeTrue($"The next run did not come up:{Environment.NewLine}{Tail(second.Output)}");
            NativeProcess.Signal(second.Process.Id, NativeProcess.SigInt).ShouldBeTrue();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await second.Process.WaitForExitAsync(timeout.Token);
            second.Process.ExitCode.ShouldBe(0, Tail(second.Output));
        }
        finally
        {
            StopAll(launched); // a failed assertion must not leave a run behind
        }
    }

    [Fact]
    public async Task After_a_restart_on_the_same_data_the_people_waiting_are_back_in_line_in_their_order_and_the_active_stay_active()
    {
        // The dev broker's log does not survive a restart; Redis's lines do. Capacity 1: one ACTIVE, three WAITING.
        using var run = new AppHostRun(new Dictionary<string, string?>
        {
            ["Ticketing__Queue__ActiveCapacity"] = "1",
            ["Ticketing__Queue__AdmissionInterval"] = "00:00:00.200",
        });
        var (environment, dataDirectory) = (run.Environment, run.DataDirectory);
        var apiPort = run.Ports["TICKETING_API_PORT"];
        var launched = new List<Launched>();
        try
        {
            TestUser[] people;
            QueueTicket[] tickets;
            {
                var first = Launch(environment);
                launched.Add(first);
                await Task.WhenAny(first.Running, first.Process.WaitForExitAsync(), Task.Delay(TimeSpan.FromMinutes(3)));
                first.Running.IsCompleted.ShouldBeTrue($"The AppHost did not come up:{Environment.NewLine}{Tail(first.Output)}");
                var concert = await Support.TestCatalog.CreateConcertAsync(run.Postgres());
                using var api = new Support.ApiDriver(new Uri($"http://127.0.0.1:{apiPort}"));
                people = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => api.CreateUserAsync()));
                tickets = new QueueTicket[people.Length];
                for (var i = 0; i < people.Length; i++)
                {
                    tickets[i] = await api.JoinAsync(people[i], concert.ConcertId);
                    if (i == 0)
                    {
                        await api.WaitUntilActiveAsync(people[0], tickets[0]);
                    }
                }

                (await Task.WhenAll(people.Skip(1).Select((p, i) => api.QueueStatusAsync(p, tickets[i + 1])))).Select(s => (s.Status, s.Position))
                    .ShouldBe([("WAITING", 0L), ("WAITING", 1L), ("WAITING", 2L)]);
                NativeProcess.Signal(first.Process.Id, NativeProcess.SigInt).ShouldBeTrue();
                await first.Process.WaitForExitAsync();
                first.Process.ExitCode.ShouldBe(0, Tail(first.Output));
            }

            // Two QueueWorkers start together on the new broker: one recovers under the lease, the other waits and finds it done.
            var second = Launch(new Dictionary<string, string?>(environment) { ["TICKETING_QUEUEWORKER_REPLICAS"] = "2" });
            launched.Add(second);
            await Task.WhenAny(second.Running, second.Process.WaitForExitAsync(), Task.Delay(TimeSpan.FromMinutes(3)));
            second.Running.IsCompleted.ShouldBeTrue($"The next run did not come up:{Environment.NewLine}{Tail(second.Output)}");
            System.Text.RegularExpressions.Regex.Count(All(second.Output), "put 3 WAITING tokens of 1 concerts back in line in their original order")
                .ShouldBe(1, "one worker requeues, once");
            All(second.Output).ShouldNotContain("put 0 WAITING"); // the other finds the epoch recovered and says nothing
            using (var api = new Support.ApiDriver(new Uri($"http://127.0.0.1:{apiPort}")))
            {
                (await api.QueueStatusAsync(people[0], tickets[0])).Status.ShouldBe("ACTIVE", "an ACTIVE pass survives the restart");
                (await Task.WhenAll(people.Skip(1).Select((p, i) => api.QueueStatusAsync(p, tickets[i + 1])))).Select(s => (s.Status, s.Position))
                    .ShouldBe([("WAITING", 0L), ("WAITING", 1L), ("WAITING", 2L)]);

                // Each one who leaves frees the one slot for the next in the original order: nobody is stuck.
                for (var i = 0; i < people.Length - 1; i++)
                {
                    (await api.As(people[i], tickets[i]).LeaveQueueAsync(tickets[i].ConcertId)).ShouldHaveStatus(HttpStatusCode.NoContent);
                    await api.WaitUntilActiveAsync(people[i + 1], tickets[i + 1], TimeSpan.FromSeconds(10));
                    for (var j = i + 2; j < people.Length; j++)
                    {
                        (await api.QueueStatusAsync(people[j], tickets[j])).Status.ShouldBe("WAITING", $"person {j} must not pass person {i + 1}");
                    }
                }
            }

            NativeProcess.Signal(second.Process.Id, NativeProcess.SigInt).ShouldBeTrue();
            await second.Process.WaitForExitAsync();
            second.Process.ExitCode.ShouldBe(0, Tail(second.Output));
        }
        finally
        {
            StopAll(launched); // a failed assertion must not leave a run behind
        }
    }

    [Fact]
    public async Task A_process_left_running_by_an_earlier_run_of_the_data_folder_is_stopped_and_named()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"ticketing-pids-{Guid.NewGuid():N}");
        using var leftover = Process.Start(new ProcessStartInfo("sleep", "300") { UseShellExecute = false })!;
        var said = new List<string>();
        new PidFiles(folder, said.Add).Record("api", leftover.Id);

        await new PidFiles(folder, said.Add).StopLeftoversAsync();

        var exited = leftover.WaitForExitAsync();
        (await Task.WhenAny(exited, Task.Delay(TimeSpan.FromSeconds(5)))).ShouldBe(exited, "the leftover process was stopped");
        said.ShouldContain($"Stopping api (pid {leftover.Id}), left running by an earlier run of this data folder");
        Directory.GetFiles(folder).ShouldBeEmpty("the earlier run's pid files are forgotten once its processes are stopped");
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>Kills what is still running of <paramref name="runs"/> (a failed assertion must not leave a run behind) and disposes them.</summary>
    internal static void StopAll(IEnumerable<Launched> runs)
    {
        foreach (var run in runs)
        {
            if (!run.Process.HasExited)
            {
                run.Process.Kill(entireProcessTree: true);
            }

            run.Dispose();
        }
    }

    internal static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z'; // a zombie has ended; only its exit status waits for a reaper
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task<bool> AnyListeningAsync(IEnumerable<int> ports)
    {
        foreach (var port in ports)
        {
            if (await FreePort.IsListeningAsync(port))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A started AppHost process, its output lines, and a task that completes when it prints "Running.".</summary>
    internal sealed record Launched(Process Process, List<string> Output, Task Running) : IDisposable
    {
        public void Dispose() => Process.Dispose();
    }

    /// <summary>
    /// Starts the built AppHost with <paramref name="environment"/> added (null removes a variable); outside
    /// connection strings and OTLP settings of the test's own environment are removed first.
    /// </summary>
    internal static Launched Launch(IReadOnlyDictionary<string, string?> environment)
    {
        var output = new List<string>();
        var running = new TaskCompletionSource();
        var info = new ProcessStartInfo("env")
        {
            // A test host started in the background may have SIGINT ignored, and an ignored signal stays ignored across exec.
            ArgumentList = { "--default-signal=INT", "dotnet", Path.Combine(ProjectPaths.RepositoryRoot, "src", "Ticketing.AppHost", "bin", ProjectPaths.Configuration, "net10.0", "Ticketing.AppHost.dll") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var name in new[] { "ConnectionStrings__postgres", "ConnectionStrings__redis", "ConnectionStrings__kafka", "OTEL_EXPORTER_OTLP_ENDPOINT" })
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        var process = new Process { StartInfo = info };
        DataReceivedEventHandler collect = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.Add(e.Data);
            }

            if (e.Data.Contains("[apphost] Running.", StringComparison.Ordinal))
            {
                running.TrySetResult();
            }
        };
        process.OutputDataReceived += collect;
        process.ErrorDataReceived += collect;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new Launched(process, output, running.Task);
    }

    /// <summary>Ids of the processes whose parent is <paramref name="pid"/> (from /proc).</summary>
    private static List<int> ChildrenOf(int pid) =>
        Directory.GetDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var id) ? id : 0)
            .Where(id => id > 0)
            .Where(id =>
            {
                try
                {
                    var stat = File.ReadAllText($"/proc/{id}/stat");
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    return int.Parse(fields[1]) == pid;
                }
                catch (IOException)
                {
                    return false;
                }
            })
            .ToList();

    internal static string All(List<string> output)
    {
        lock (output)
        {
            return string.Join(Environment.NewLine, output);
        }
    }

    internal static string Tail(List<string> output)
    {
        lock (output)
        {
            return string.Join(Environment.NewLine, output.TakeLast(60));
        }
    }
}
