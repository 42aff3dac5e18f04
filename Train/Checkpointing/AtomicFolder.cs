// AtomicFolder: writes a whole folder so that readers see the old folder or the complete new one.
// The content is built in a sibling "<name>.tmp-<pid>-<random>" folder and renamed into place only
// after every file in it was written (and flushed: each writer here writes its files atomically).
// An existing folder of that name is moved aside ("<name>.old-<pid>-<random>") first and deleted
// only after the new one is in place. A failure anywhere deletes the temporary folder and leaves
// the old one untouched. A killed process cannot clean up, so RemoveAbandoned deletes what dead
// processes left (their pid is in the name) when the next run starts in that folder.
// Known limit: replacing an existing folder is two renames, so a crash between them leaves the
// old folder under its ".old-" name (still complete, just renamed); fresh names have no gap.
// Directory renames are not fsynced: a power cut (not a killed process) may lose the last rename.
namespace MoeFromScratch.Train.Checkpointing;

public static class AtomicFolder
{
    private const string Temporary = ".tmp-", Aside = ".old-";

    public static void Write(string folder, Action<string> writeInto)
    {
        string full = Path.GetFullPath(folder.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temporary = Sibling(full, Temporary);
        string? aside = null;
        try
        {
            Directory.CreateDirectory(temporary);
            writeInto(temporary);
            if (Directory.Exists(full))
            {
                aside = Sibling(full, Aside);
                Directory.Move(full, aside);
            }
            Directory.Move(temporary, full);
        }
        catch
        {
            if (aside is not null && !Directory.Exists(full)) Directory.Move(aside, full);
            aside = null;
            throw;
        }
        finally
        {
            if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
            if (aside is not null) Directory.Delete(aside, recursive: true);
        }
    }

    /// <summary>True for a name Write uses while it works (never a complete folder under its own name).</summary>
    public static bool IsTemporary(string name) => Owner(name) is not null;

    /// <summary>
    /// Deletes the temporary and moved-aside folders in parent whose writing process is gone (a
    /// killed run); a live process's are left alone. Returns the names deleted.
    /// </summary>
    public static IReadOnlyList<string> RemoveAbandoned(string parent)
    {
        if (!Directory.Exists(parent)) return [];
        var removed = new List<string>();
        foreach (var path in Directory.EnumerateDirectories(parent))
        {
            string name = Path.GetFileName(path);
            if (Owner(name) is not int pid || Model.AtomicFile.IsAlive(pid)) continue;
            Directory.Delete(path, recursive: true);
            removed.Add(name);
        }
        return removed;
    }

    private static string Sibling(string full, string kind) => $"{full}{kind}{Environment.ProcessId}-{Guid.NewGuid():N}";

    // "<name>.tmp-<pid>-<32 hex>" or "<name>.old-<pid>-<32 hex>" -> pid; anything else -> null
    private static int? Owner(string name)
    {
        foreach (var kind in (ReadOnlySpan<string>)[Temporary, Aside])
        {
            int at = name.LastIndexOf(kind, StringComparison.Ordinal);
            if (at <= 0) continue;
            var rest = name.AsSpan(at + kind.Length);
            int dash = rest.IndexOf('-');
            if (dash > 0 && rest.Length - dash - 1 == 32 && int.TryParse(rest[..dash], out int pid)) return pid;
        }
        return null;
    }
}
