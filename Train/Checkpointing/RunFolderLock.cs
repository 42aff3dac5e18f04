// RunFolderLock: one process at a time owns a run folder. The owner holds an exclusive OS lock on
// "<run>/.lock" for as long as it lives: .NET opens a file with FileShare.None through flock(2)
// (LOCK_EX | LOCK_NB) on Linux, and a second process's open then fails at once with a sharing
// violation instead of waiting. The kernel drops the lock when its process ends however it ends
// (exit, SIGKILL, a crash), so a dead owner never leaves the folder stuck: there is no stale-lock
// rule to get wrong. The owner's pid is written beside it ("<run>/.lock-owner", best effort, only
// for the message: a refused process cannot read the locked file itself, its own open would need
// a shared flock). Both files stay after the run; only the kernel's lock says who owns the folder.
// Known limits: advisory only (a program that does not take the lock is not stopped); the
// runtime's switch DOTNET_SYSTEM_IO_DISABLEFILELOCKING=1 turns flock off, and with it this lock.
using MoeFromScratch.Model;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Checkpointing;

public sealed class RunFolderLock : IDisposable
{
    public const string LockFile = ".lock", OwnerFile = ".lock-owner";
    private readonly FileStream _lock;

    /// <summary>The folder this process owns until Dispose (or its end).</summary>
    public string Folder { get; }

    private RunFolderLock(string folder, FileStream held)
    {
        Folder = folder;
        _lock = held;
    }

    /// <summary>
    /// Creates folder if needed and takes its lock; null when another live process holds it
    /// (OwnerOf says which). A folder that cannot be made or written is a one-line Output error.
    /// </summary>
    public static RunFolderLock? TryAcquire(string folder)
    {
        string path = Path.Combine(folder, LockFile);
        var held = UserFiles.Write(folder, () =>
        {
            Directory.CreateDirectory(folder);
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
            }
            catch (IOException) when (File.Exists(path) && !Directory.Exists(path))
            {
                return null;   // a sharing violation: the flock is another process's
            }
        });
        if (held is null) return null;
        try
        {
            AtomicFile.WriteAllText(Path.Combine(folder, OwnerFile), $"{Environment.ProcessId}\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // only the refusal message of another process reads it; a read-only folder fails later, by name
        }
        return new RunFolderLock(folder, held);
    }

    /// <summary>Takes the lock or refuses in one line naming the folder and its owner.</summary>
    public static RunFolderLock Acquire(string folder) => TryAcquire(folder) ?? throw new MoeUserException(UserErrorKind.Output,
        $"{folder}: in use by another moe process{(OwnerOf(folder) is int pid ? $" (pid {pid})" : "")}; " +
        "wait for it to finish, stop it, or choose another --out");

    /// <summary>The pid the last owner recorded; null if none was recorded or it cannot be read.</summary>
    public static int? OwnerOf(string folder)
    {
        try
        {
            return int.TryParse(File.ReadAllText(Path.Combine(folder, OwnerFile)).Trim(), out int pid) ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Dispose() => _lock.Dispose();
}
