using System.Reflection;
using System.Runtime.InteropServices;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Points Confluent.Kafka 1.9.3 at Debian's <c>librdkafka.so.1</c> (package <c>librdkafka1</c>).
/// The NuGet package <c>librdkafka.redist</c> that normally ships the native library is a local stub here
/// (shared/ENVIRONMENT.md), and <c>Library.Load(path)</c> fails on Debian 12 because it looks for a
/// <c>libdl</c> name that is not installed, so the resolver is set on the Confluent.Kafka assembly instead.
/// </summary>
public static class KafkaNativeLibrary
{
    /// <summary>The Debian soname of librdkafka (2.0.2 on Debian 12).</summary>
    public const string LibraryName = "librdkafka.so.1";

    private static int s_installed;

    /// <summary>Installs the resolver once per process; later calls do nothing.</summary>
    public static void EnsureResolver()
    {
        if (Interlocked.Exchange(ref s_installed, 1) == 1)
        {
            return;
        }

        NativeLibrary.SetDllImportResolver(typeof(Confluent.Kafka.Library).Assembly, Resolve);
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName.Contains("rdkafka", StringComparison.OrdinalIgnoreCase)
            ? NativeLibrary.Load(LibraryName)
            : IntPtr.Zero;
}
