// PipelineCacheFiles: the Vulkan backend's compiled pipelines on disk between runs, one file per
// device and driver (the key VulkanBackend gives, Gpu/Runtime/IPipelineCacheStore.cs), in
//   $MOE_PIPELINE_CACHE            a folder of your choice, or "off" to keep nothing
//   $XDG_CACHE_HOME/moe/pipelines  else, as freedesktop programs keep caches
//   ~/.cache/moe/pipelines         else
// A cache is only ever a speed-up: a file that is missing, not a regular file, too large or
// unreadable loads as none, and a folder that cannot be written keeps nothing; neither stops a run.
// Reads go through RegularFile (no FIFO or device is opened); writes through AtomicFile, so two runs
// saving at once leave one whole file. The backend checks the bytes against the device before use.
using MoeFromScratch.Gpu.Runtime;
using MoeFromScratch.Model;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Devices;

public sealed class PipelineCacheFiles(string folder) : IPipelineCacheStore
{
    /// <summary>Far above any real pipeline cache (a few MiB for every kernel here on a GPU driver).</summary>
    private static readonly RegularFile.Kind CacheFile = new(UserErrorKind.Device, "a Vulkan pipeline cache file", 256 * RegularFile.MiB);

    public string Folder { get; } = folder;

    /// <summary>The folder the environment names (see the header), or null when caching is off.</summary>
    public static PipelineCacheFiles? FromEnvironment()
    {
        string? chosen = Environment.GetEnvironmentVariable("MOE_PIPELINE_CACHE");
        if (string.Equals(chosen, "off", StringComparison.OrdinalIgnoreCase)) return null;
        if (!string.IsNullOrWhiteSpace(chosen)) return new PipelineCacheFiles(chosen);
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string root = !string.IsNullOrWhiteSpace(xdg) ? xdg : string.IsNullOrEmpty(home) ? "" : Path.Combine(home, ".cache");
        return root.Length == 0 ? null : new PipelineCacheFiles(Path.Combine(root, "moe", "pipelines"));
    }

    public string PathOf(string key) => Path.Combine(Folder, $"vulkan-{key}.bin");

    public byte[]? Load(string key)
    {
        string path = PathOf(key);
        if (!File.Exists(path)) return null;
        try
        {
            return RegularFile.ReadAllBytes(path, CacheFile);
        }
        catch (MoeUserException)
        {
            return null;
        }
    }

    public void Save(string key, byte[] data)
    {
        try
        {
            Directory.CreateDirectory(Folder);
            AtomicFile.Write(PathOf(key), stream => stream.Write(data));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // a read-only or full cache folder: the next run compiles its pipelines again
        }
    }
}
