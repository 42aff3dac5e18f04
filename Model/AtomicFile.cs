// AtomicFile: write a file so that readers see either the old one or the complete new one, never
// a half-written file (a crash mid-save must not destroy the last good checkpoint). The temporary
// file sits in the same folder, because a rename is only atomic within one file system; it is
// flushed to disk before the rename and deleted when anything fails. A write past a file size
// limit (EFBIG), which .NET reports as ArgumentOutOfRangeException, is turned into the IOException
// it is, like a full disk (ENOSPC).
// Every atomic write of the project (Model and Train) goes through here, so one
// seam, InjectWriteFaults, lets tests fail any of them midway the way a full disk does.
// It is not a lock: two writers racing both succeed and the last rename wins.
// A killed writer cannot delete its temporary file; RemoveAbandoned deletes those of dead
// processes (the writer's pid is in the name) when the next run opens the folder.
namespace MoeFromScratch.Model;

public static class AtomicFile
{
    private static readonly AsyncLocal<Func<Stream, Stream>?> Faults = new();

    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}{TemporarySuffix}");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            using (var stream = Faults.Value is { } wrap ? wrap(file) : file)
            {
                write(stream);
                stream.Flush();
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch (ArgumentOutOfRangeException e) when (IsFileTooLarge(e))
        {
            throw new IOException("File too large (EFBIG: past the file system's or the process's file size limit)", e);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    // .NET reports EFBIG (a write past the file system's or the process's file size limit) as an
    // ArgumentOutOfRangeException thrown by RandomAccess. Its trace names that; TargetSite would too,
    // but it needs reflection metadata that a trimmed `moe` does not keep (the publish refuses it).
    private static bool IsFileTooLarge(ArgumentOutOfRangeException e) =>
        e.StackTrace?.Contains("System.IO.RandomAccess.", StringComparison.Ordinal) == true;

    public static void WriteAllText(string path, string text) =>
        Write(path, stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(text)));

    public const string TemporarySuffix = ".tmp";

    /// <summary>True for the name of a temporary file Write makes (".name.pid.guid.tmp").</summary>
    public static bool IsTemporary(string fileName) =>
        fileName.StartsWith('.') && fileName.EndsWith(TemporarySuffix, StringComparison.Ordinal);

    /// <summary>
    /// Deletes the temporary files in folder whose writing process is gone (a killed run's); a live
    /// process's are left alone. Returns the names deleted.
    /// </summary>
    public static IReadOnlyList<string> RemoveAbandoned(string folder)
    {
        if (!Directory.Exists(folder)) return [];
        var removed = new List<string>();
        foreach (var path in Directory.EnumerateFiles(folder, $".*{TemporarySuffix}"))
        {
            string name = Path.GetFileName(path);
            if (Writer(name) is not int pid || IsAlive(pid)) continue;
            File.Delete(path);
            removed.Add(name);
        }
        return removed;
    }

    // ".<name>.<pid>.<32 hex>.tmp" -> pid; anything else -> null
    private static int? Writer(string fileName)
    {
        if (!IsTemporary(fileName)) return null;
        var parts = fileName[..^TemporarySuffix.Length].Split('.');
        return parts.Length >= 4 && parts[^1].Length == 32 && int.TryParse(parts[^2], out int pid) ? pid : null;
    }

    /// <summary>Whether a process of this id runs (this one included): a temporary name's writer may still be writing.</summary>
    public static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;   // no such process
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// Test seam: until the returned scope is disposed, every stream Write hands out in this async
    /// flow goes through wrap first (say, one that throws IOException "No space left on device"
    /// after N bytes). Other threads and flows, such as tests running in parallel, are unaffected.
    /// </summary>
    public static IDisposable InjectWriteFaults(Func<Stream, Stream> wrap)
    {
        var previous = Faults.Value;
        Faults.Value = wrap;
        return new Restore(() => Faults.Value = previous);
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}
