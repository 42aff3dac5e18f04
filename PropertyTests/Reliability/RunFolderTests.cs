// A run folder has one owner at a time. Two real `moe train` processes on the same --out: the
// second refuses in one line naming the folder and the first one's pid; once the first is killed
// with SIGKILL (no handler runs, so only the kernel can release its lock), a third takes the
// folder. A fresh run never replaces an existing run unless --overwrite, and default names never
// collide (in process: two claims of the same name while the first is held).
using MoeFromScratch.Train.Checkpointing;

namespace MoeFromScratch.PropertyTests.Reliability;

public sealed class RunFolderTests : TinyRunTests
{
    [Fact]
    public void A_second_run_on_a_held_folder_is_refused_naming_the_owner_and_a_killed_owner_releases_it()
    {
        string folder = Run.RunFolder();
        using (var first = MoeProcess.Start(Run.Train(folder, "--save-every 5")))
        {
            first.WaitForLine(l => l.StartsWith("step ", StringComparison.Ordinal));   // it owns the folder and trains
            var second = MoeProcess.Run(Run.Train(folder, "--overwrite", steps: 2));
            second.AssertOneLineError($"{folder}: in use by another moe process (pid {first.Pid}); ");
            Assert.False(first.HasExited);
            first.Signal(MoeProcess.SigKill);
            first.WaitForExit();
        }
        var third = MoeProcess.Run(Run.Train(folder, "--overwrite", steps: 2));
        Assert.True(third.Code == 0, third.ToString());
        Assert.Equal([Path.Combine(folder, CheckpointStore.FolderName(2))], TinyRun.CheckpointFolders(folder));
        Assert.Equal(2, TinyRun.Losses(folder).Count);
    }

    [Fact]
    public void A_fresh_run_into_an_existing_run_is_refused_and_keeps_every_byte_unless_overwrite()
    {
        string folder = Run.RunFolder();
        var made = MoeProcess.Run(Run.Train(folder, "--save-every 1", steps: 3));
        Assert.True(made.Code == 0, made.ToString());
        var before = RunBytes(folder);

        var refused = MoeProcess.Run(Run.Train(folder, steps: 2));
        refused.AssertOneLineError($"{folder}: already holds a run (3 checkpoints, latest, metrics.jsonl); continue it with --resume {folder}, or pass --overwrite");
        Assert.Equal(before, RunBytes(folder));

        var replaced = MoeProcess.Run(Run.Train(folder, "--overwrite", steps: 2));
        Assert.True(replaced.Code == 0, replaced.ToString());
        Assert.Equal([Path.Combine(folder, CheckpointStore.FolderName(2))], TinyRun.CheckpointFolders(folder));
        Assert.Equal(2, TinyRun.Losses(folder).Count);

        var both = MoeProcess.Run(Run.Resume(folder, "--overwrite"));
        both.AssertOneLineError("--overwrite: cannot replace ");
    }

    [Fact]
    public void Default_names_claimed_at_the_same_moment_never_collide()
    {
        string name = Path.Combine(Run.Folder, "runs", "20261202-120000");
        using var first = RunFolder.Claim(null, null, overwrite: false, freshName: name);
        using var second = RunFolder.Claim(null, null, overwrite: false, freshName: name);
        Assert.Equal(name, first.Folder);
        Assert.Equal($"{name}-2", second.Folder);
        Directory.CreateDirectory($"{name}-3");
        File.WriteAllText(Path.Combine($"{name}-3", "metrics.jsonl"), "{}\n");   // a finished run is passed over too
        using var third = RunFolder.Claim(null, null, overwrite: false, freshName: name);
        Assert.Equal($"{name}-4", third.Folder);
        first.Dispose();
        using var again = RunFolder.Claim(null, null, overwrite: false, freshName: name);   // released: free again (it holds no run)
        Assert.Equal(name, again.Folder);
    }

    // Everything but the lock's owner record (which names whoever claimed the folder last).
    private static SortedDictionary<string, byte[]> RunBytes(string folder) =>
        new(TinyRun.Snapshot(folder).Where(f => f.Key != RunFolderLock.OwnerFile).ToDictionary(), StringComparer.Ordinal);
}
