// A disk that fills up in the middle of a checkpoint save, at every kind of moment: inside each of
// the six files (config.json, model.safetensors, tokenizer.json, tokenizer_config.json,
// optimizer.safetensors, trainer_state.json), on their boundaries, and while `latest` is rewritten. The failure goes
// through the real writers (AtomicFile.InjectWriteFaults wraps each file's stream in FullDisk) on a
// tiny-preset checkpoint. Each must be one user error (kind Output, one line, naming the folder and
// "No space left on device"), leave every byte of the run folder as it was — no half-written
// checkpoint, no temporary file or folder — except that a failure in `latest` may leave the new
// checkpoint complete beside it; and with room enough the same save succeeds.
using MoeFromScratch.Model;
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.PropertyTests.Reliability;

public sealed class DiskFullTests : TinyRunTests
{
    [Fact]
    public void A_disk_that_fills_up_anywhere_in_a_save_is_one_line_and_leaves_the_run_folder_as_it_was()
    {
        string folder = Run.RunFolder();
        var (checkpoint, optimizer) = Run.NewCheckpoint(folder);
        using var ownedOptimizer = optimizer;
        var state = new TrainerState(3, 3, 0, 96, new TrainSettings());

        var measure = new FullDisk(long.MaxValue);
        using (AtomicFile.InjectWriteFaults(measure.Wrap))
            checkpoint.Save(state);                                // the previous checkpoint, and what one save writes
        Assert.Equal(7, measure.FileEnds.Count);                   // six files and `latest`
        var before = Entries(folder);
        long total = measure.Written, checkpointBytes = measure.FileEnds[^2];

        var random = new Random(8);
        long[] points = [0, 1, total - 1, .. measure.FileEnds.SkipLast(1).SelectMany(end => new[] { end - 1, end, end + 1 }),
            .. Enumerable.Range(0, 20).Select(_ => random.NextInt64(total))];
        var later = state with { Step = 6, DataStep = 6 };
        string target = Path.Combine(folder, CheckpointStore.FolderName(6));
        foreach (long free in points.Distinct().Order())
        {
            var disk = new FullDisk(free);
            MoeUserException error;
            using (AtomicFile.InjectWriteFaults(disk.Wrap))
                error = Assert.Throws<MoeUserException>(() => checkpoint.Save(later));

            Assert.Equal(UserErrorKind.Output, error.Kind);
            Assert.Equal($"{target}: cannot be written ({FullDisk.Message}); the previous checkpoint and 'latest' are as they were", error.Message);
            var after = Entries(folder);
            if (free >= checkpointBytes)                           // every checkpoint file fit; only `latest` failed
            {
                Assert.True(Directory.Exists(target), $"{free} bytes free: the complete checkpoint was not renamed into place");
                TinyRun.Load(target);
                foreach (var name in after.Keys.Where(n => n == Path.GetFileName(target) || n.StartsWith(Path.GetFileName(target) + "/")).ToList())
                    after.Remove(name);
            }
            Assert.True(before.Keys.SequenceEqual(after.Keys), $"{free} bytes free: the run folder holds [{string.Join(", ", after.Keys)}]");
            foreach (var (name, bytes) in before)
                Assert.True(bytes.AsSpan().SequenceEqual(after[name]), $"{free} bytes free: {name} changed");
            if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
        }

        using (AtomicFile.InjectWriteFaults(new FullDisk(total).Wrap))
            checkpoint.Save(later);                                // exactly enough room: the hook alone made the others fail
        Assert.Equal(6, TinyRun.LoadLatest(folder));
    }

    // Every file and folder under the run folder (relative name -> bytes; folders map to empty).
    private static SortedDictionary<string, byte[]> Entries(string folder) => new(
        Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories).ToDictionary(
            e => Path.GetRelativePath(folder, e), e => Directory.Exists(e) ? [] : File.ReadAllBytes(e)), StringComparer.Ordinal);
}
