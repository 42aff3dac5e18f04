// AtomicFolder: writes a whole folder so that readers see the old folder or the complete new one.
// The content is built in a sibling "<name>.tmp-<random>" folder and renamed into place only after
// every file in it was written (and flushed: each writer here writes its files atomically). An
// existing folder of that name is moved aside first and deleted only after the new one is in
// place. A failure anywhere deletes the temporary folder and leaves the old one untouched.
// Known limit: replacing an existing folder is two renames, so a crash between them leaves the
// old folder under "<name>.old-<random>" (still complete, just renamed); fresh names have no gap.
namespace MoeFromScratch.Train.Checkpointing;

public static class AtomicFolder
{
    public static void Write(string folder, Action<string> writeInto)
    {
        string full = Path.GetFullPath(folder.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temporary = $"{full}.tmp-{Guid.NewGuid():N}";
        string? aside = null;
        try
        {
            Directory.CreateDirectory(temporary);
            writeInto(temporary);
            if (Directory.Exists(full))
            {
                aside = $"{full}.old-{Guid.NewGuid():N}";
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
}
