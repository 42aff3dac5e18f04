// The layout of a run folder:
//   runs/<name>/checkpoint-000250/   one complete checkpoint per save (AtomicFolder)
//   runs/<name>/latest               the name of the newest complete checkpoint, replaced atomically
//   runs/<name>/metrics.jsonl
// A save writes the new folder first and moves `latest` only after it is complete, so `latest`
// always names a loadable checkpoint, even if the process dies mid-save. Old checkpoints are kept;
// temporary folders a killed run left behind are deleted at the next save (AtomicFolder). A write
// that fails (disk full, read-only folder) is a one-line user error naming the folder, and leaves
// the previous checkpoint and `latest` as they were.
// What goes inside a checkpoint is the caller's (TrainingCheckpoint): this file only names parts.
using MoeFromScratch.Model;

namespace MoeFromScratch.Train.Checkpointing;

/// <summary>One piece of a checkpoint; Write fills the given (temporary) folder.</summary>
public sealed record CheckpointPart(string Name, Action<string> Write);

public static class CheckpointStore
{
    public const string LatestFile = "latest";
    private static readonly RegularFile.Kind LatestKind = new(Tensors.UserErrorKind.Checkpoint, "a 'latest' file of at most 4 KiB", 4 * RegularFile.KiB, m => new Model.CheckpointException(m));

    public static string FolderName(long step) => $"checkpoint-{step:D6}";

    /// <summary>Writes every part into runFolder/checkpoint-NNNNNN atomically, then points `latest` at it.</summary>
    public static string Save(string runFolder, long step, IEnumerable<CheckpointPart> parts)
    {
        string folder = Path.Combine(runFolder, FolderName(step));
        UserFiles.Write(folder, () =>
        {
            AtomicFolder.RemoveAbandoned(runFolder);
            AtomicFolder.Write(folder, temporary =>
            {
                foreach (var part in parts) part.Write(temporary);
            });
            AtomicFile.WriteAllText(Path.Combine(runFolder, LatestFile), FolderName(step) + "\n");
        }, kept: $"the previous checkpoint and '{LatestFile}' are as they were");
        return folder;
    }

    /// <summary>A checkpoint folder itself, or a run folder whose `latest` names one.</summary>
    public static string Resolve(string path)
    {
        if (File.Exists(Path.Combine(path, TrainerState.FileName))) return path;
        string latest = Path.Combine(path, LatestFile);
        if (File.Exists(latest))
        {
            string name = RegularFile.ReadAllText(latest, LatestKind).Trim();
            string folder = Path.Combine(path, name);
            if (name.Length == 0 || name.IndexOfAny(['/', '\\']) >= 0 || !File.Exists(Path.Combine(folder, TrainerState.FileName)))
                throw new Model.CheckpointException($"{latest}: names '{name}', which is not a checkpoint folder beside it");
            return folder;
        }
        if (!Directory.Exists(path)) throw new Model.CheckpointException($"{path}: no such checkpoint or run folder");
        throw new Model.CheckpointException($"{path}: neither a checkpoint (no {TrainerState.FileName}) nor a run folder (no '{LatestFile}' file)");
    }
}
