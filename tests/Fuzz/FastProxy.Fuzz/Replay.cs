using System.Runtime.InteropServices;
using SharpFuzz.Common;

namespace FastProxy.Fuzz;

/// <summary>Runs saved inputs (a corpus, or AFL++'s crashes) through a target outside AFL++, for triage and CI.</summary>
public static class Replay
{
    /// <summary>AFL++'s coverage map size (MAP_SIZE); SharpFuzz masks every branch index into it.</summary>
    private const int CoverageMapBytes = 1 << 16;

    /// <summary>Gives the instrumented assemblies a coverage map to write to when no afl-fuzz provides one.</summary>
    public static unsafe void ProvideCoverageMap()
    {
        if (Trace.SharedMem == null)
        {
            Trace.SharedMem = (byte*)NativeMemory.AllocZeroed(CoverageMapBytes);
        }
    }

    public static int Run(IFuzzTarget target, IEnumerable<string> paths, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(output);
        var failures = 0;
        var count = 0;
        foreach (var file in Files(paths))
        {
            count++;
            try
            {
                target.Run(File.ReadAllBytes(file));
            }
#pragma warning disable CA1031 // a replay reports every finding, whatever its type
            catch (Exception e)
#pragma warning restore CA1031
            {
                failures++;
                output.WriteLine($"{file}: {e.GetType().Name}: {e.Message}");
                output.WriteLine(e.StackTrace);
            }
        }

        output.WriteLine($"{target.Name}: {count} inputs, {failures} findings");
        return failures == 0 ? 0 : 1;
    }

    private static IEnumerable<string> Files(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    yield return file;
                }
            }
            else
            {
                yield return path;
            }
        }
    }
}
