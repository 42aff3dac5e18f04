// RunFolder: which folder a `moe train` run writes, claimed before anything is written there.
// A default name (runs/<timestamp>) never collides: a name that another live run holds, or that
// already holds a run, is passed over for "<timestamp>-2", "-3", … (the lock decides between two
// runs started in the same second). A named folder (--out, or the resumed run's own folder) is
// locked or refused (RunFolderLock); a fresh run into a folder that already holds a run
// (checkpoints, `latest`, metrics.jsonl) is refused unless the caller asked to overwrite, in which
// case that run's checkpoints, `latest` and metrics are deleted first — never half of each.
// Not here: what goes into the folder (CheckpointStore, MetricsLog).
using System.Text.RegularExpressions;
using MoeFromScratch.Model;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.Train.Checkpointing;

public static partial class RunFolder
{
    public const string OverwriteOption = "--overwrite";

    /// <summary>
    /// Locks the run folder: requested (--out) if given, else the resumed run's folder, else
    /// freshName (runs/&lt;timestamp&gt;) or the first free "freshName-N". Refuses a folder another process holds, and a fresh run into a folder
    /// that holds a run unless overwrite (then that run is deleted first).
    /// </summary>
    public static RunFolderLock Claim(string? requested, string? resumedRun, bool overwrite, string freshName)
    {
        if (requested is null && resumedRun is null) return ClaimFresh(freshName);
        string folder = requested ?? resumedRun!;
        bool continuesRun = resumedRun is not null && Path.GetFullPath(folder) == Path.GetFullPath(resumedRun);
        if (continuesRun && overwrite)
            throw new UsageException($"{OverwriteOption}: cannot replace {folder}, the run --resume continues; drop one of the two");
        var owner = RunFolderLock.Acquire(folder);
        UserFiles.Write(folder, () => AtomicFile.RemoveAbandoned(folder));   // a killed run's `latest` or metrics rewrite
        if (continuesRun || RunFiles(folder) is not { Count: > 0 } existing) return owner;
        if (!overwrite)
        {
            owner.Dispose();
            throw new MoeUserException(UserErrorKind.Output,
                $"{folder}: already holds a run ({Describe(existing)}); " +
                $"continue it with --resume {folder}, or pass {OverwriteOption} to delete it and start again");
        }
        UserFiles.Write(folder, () => Delete(folder, existing.Reverse()));   // metrics, `latest`, then the checkpoints it names
        return owner;
    }

    // runs/<timestamp>, or the first of <timestamp>-2, -3, … that no live run holds and that holds no run.
    private static RunFolderLock ClaimFresh(string name)
    {
        for (int n = 1; ; n++)
        {
            string folder = n == 1 ? name : $"{name}-{n}";
            if (RunFolderLock.TryAcquire(folder) is not { } owner) continue;
            if (RunFiles(folder).Count == 0) return owner;
            owner.Dispose();
        }
    }

    /// <summary>The names in folder that belong to a run: checkpoint folders, `latest`, metrics.jsonl.</summary>
    public static IReadOnlyList<string> RunFiles(string folder)
    {
        if (!Directory.Exists(folder)) return [];
        return Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName)
            .Where(name => name == CheckpointStore.LatestFile || name == MetricsLog.FileName || CheckpointName().IsMatch(name!))
            .Order(StringComparer.Ordinal).ToList()!;
    }

    // "3 checkpoints, latest, metrics.jsonl"
    private static string Describe(IReadOnlyList<string> names)
    {
        int checkpoints = names.Count(n => CheckpointName().IsMatch(n));
        var rest = names.Where(n => !CheckpointName().IsMatch(n));
        return string.Join(", ", (checkpoints == 0 ? rest : rest.Prepend(checkpoints == 1 ? "1 checkpoint" : $"{checkpoints} checkpoints")));
    }

    private static void Delete(string folder, IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            string path = Path.Combine(folder, name);
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
            else File.Delete(path);
        }
    }

    [GeneratedRegex("^checkpoint-[0-9]{6}$")]
    private static partial Regex CheckpointName();
}
