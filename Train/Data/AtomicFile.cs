// AtomicFile: writes a file so that readers see either the old file or the complete new one,
// never a half-written one (a killed run leaves only a stray *.tmp-* file). Write to a temporary
// file in the same folder, flush it to disk, then rename over the target.
// It is not a lock: two writers racing both succeed and the last rename wins, which is fine for
// caches whose content depends only on their key.
namespace MoeFromScratch.Train.Data;

public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temporary = $"{full}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(text)));
}
