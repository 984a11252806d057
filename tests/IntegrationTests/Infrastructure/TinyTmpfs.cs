namespace FastProxy.IntegrationTests.Infrastructure;

/// <summary>
/// A real filesystem that fills up: a tmpfs of a few KiB mounted on a fresh directory (root only), with a filler file
/// that takes every free byte until deleted. Disposing unmounts it (lazily: a process may still hold a file open).
/// </summary>
public sealed class TinyTmpfs : IAsyncDisposable
{
    private TinyTmpfs(string directory) => Directory = directory;

    public string Directory { get; }

    private string FillerPath => Path.Combine(Directory, "filler");

    public static async Task<TinyTmpfs> MountAsync(int kibibytes)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("fastproxy-tmpfs-").FullName;
        var (exit, output) = await CliTool.RunAsync("mount", TimeSpan.FromSeconds(20), "-t", "tmpfs", "-o", $"size={kibibytes}k", "tmpfs", directory);
        if (exit != 0)
        {
            System.IO.Directory.Delete(directory);
            throw new InvalidOperationException($"mount -t tmpfs failed ({exit}): {output}");
        }

        return new TinyTmpfs(directory);
    }

    /// <summary>Writes the filler until the filesystem refuses (ENOSPC): from now on every write that needs a block fails.</summary>
    public async Task FillAsync()
    {
        var chunk = new byte[4096];
        await using var filler = new FileStream(FillerPath, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        try
        {
            while (true)
            {
                await filler.WriteAsync(chunk);
            }
        }
        catch (IOException)
        {
            // Full.
        }
    }

    /// <summary>Space comes back.</summary>
    public void Free() => File.Delete(FillerPath);

    public async ValueTask DisposeAsync()
    {
        await CliTool.RunAsync("umount", TimeSpan.FromSeconds(20), "-l", Directory);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
