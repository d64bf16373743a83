using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Configuration;
using Ticketing.Hosting.AppModel;

namespace Ticketing.Hosting.Testing;

/// <summary>
/// Starts an AppHost's own model in a test, the role of Aspire.Hosting.Testing's <c>DistributedApplicationTestingBuilder</c>:
/// <see cref="CreateAsync{TEntryPoint}"/> runs the AppHost's entry point (its <c>Program.cs</c>) up to <c>Build()</c> and hands
/// the declared model to the test, which may change it (settings, resources, environment) before <see cref="Build"/> and
/// <see cref="DistributedApplication.StartAsync"/>. By default, as Aspire's does, every resource gets a free port, the
/// developer view is off, and restarts are off (a test wants a crash to show, not to be healed).
/// </summary>
public sealed class DistributedApplicationTestingBuilder
{
    private readonly DistributedApplicationBuilder _model;

    private DistributedApplicationTestingBuilder(DistributedApplicationBuilder model) => _model = model;

    /// <summary>The declared resources, in declaration order; a test may remove ones it does not need.</summary>
    public List<Resource> Resources => _model.Resources;

    /// <summary>The model's settings (the test's overrides over the process environment).</summary>
    public IConfiguration Configuration => _model.Configuration;

    /// <summary>The run's data folder (<c>TICKETING_DATA_DIR</c>; give each test model its own).</summary>
    public string DataDirectory => _model.DataDirectory;

    /// <summary>The data folder's secrets (the token signing key, for tests that mint tokens).</summary>
    public AppSecrets Secrets => _model.Secrets;

    /// <summary>
    /// Runs the entry point of <typeparamref name="TEntryPoint"/>'s assembly (the AppHost) with <paramref name="configure"/>'s options
    /// and returns the model it declared, not yet started.
    /// </summary>
    /// <typeparam name="TEntryPoint">A type of the AppHost assembly (its <c>Program</c>).</typeparam>
    /// <param name="configure">Changes the test defaults (free ports, no developer view, no restarts).</param>
    /// <param name="cancellationToken">Cancels the wait for the entry point.</param>
    /// <exception cref="InvalidOperationException">The assembly has no entry point, or it did not build a model.</exception>
    public static async Task<DistributedApplicationTestingBuilder> CreateAsync<TEntryPoint>(
        Action<DistributedApplicationOptions>? configure = null, CancellationToken cancellationToken = default) where TEntryPoint : class
    {
        var options = new DistributedApplicationOptions { RandomizePorts = true, DisableDashboard = true, Restarts = false };
        configure?.Invoke(options);
        var assembly = typeof(TEntryPoint).Assembly;
        var entryPoint = assembly.EntryPoint ?? throw new InvalidOperationException($"{assembly.GetName().Name} has no entry point.");
        var capture = new ModelCapture(options);
        await Task.Run(async () =>
        {
            // Flows into the entry point: its CreateBuilder takes these options and its Build() hands the model over.
            DistributedApplicationBuilder.Capture.Value = capture;
            try
            {
                var result = entryPoint.Invoke(null, entryPoint.GetParameters().Length == 0 ? [] : [options.Args]);
                if (result is Task task)
                {
                    await task;
                }
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            }
        }, cancellationToken).WaitAsync(cancellationToken);
        return new DistributedApplicationTestingBuilder(capture.Builder
            ?? throw new InvalidOperationException($"{assembly.GetName().Name}'s entry point returned without building an app model."));
    }

    /// <summary>The builder of resource <paramref name="name"/>, to change it with the model's own methods (<c>WithEnvironment</c>, …).</summary>
    /// <exception cref="InvalidOperationException">No resource of that name and type.</exception>
    public ResourceBuilder<T> CreateResourceBuilder<T>(string name) where T : Resource =>
        new(_model.Resources.OfType<T>().FirstOrDefault(r => r.Name == name)
            ?? throw new InvalidOperationException($"The model has no {typeof(T).Name} named '{name}'."), _model);

    /// <summary>The application, ready for <see cref="DistributedApplication.StartAsync"/>; dispose it to stop everything.</summary>
    public DistributedApplication Build() => new(_model);
}
