// Nothing is lost when `moe train` is killed (SIGKILL: no handler, no finally, no flush) at any
// moment. One run folder, saving after every step, is killed Kills times, each time after the
// process saved twice (the time between the two saves is one step's period on this machine): half
// the kills at a random moment within the next two periods, half the moment its next checkpoint's
// temporary folder appears (so inside a save). Measuring the period keeps each round to a few steps
// on a fast machine as on a slow one, so the kills never run out of steps. After each kill: `latest` names a checkpoint that loads completely, never
// an older one than before; every folder named like a checkpoint loads (a temporary one is never
// under that name); the next round resumes from exactly `latest`. At the end a resume finishes
// the run, leaves no temporary folders behind, and its losses are the uninterrupted run's, bit for
// bit (CPU).
using System.Diagnostics;
using MoeFromScratch.Train.Checkpointing;

namespace MoeFromScratch.PropertyTests.Reliability;

public sealed class KillTests(ITestOutputHelper output) : TinyRunTests
{
    private const int Kills = 24;

    [Fact]
    public void Killed_at_random_moments_the_latest_checkpoint_always_loads_and_resume_finishes_the_run()
    {
        int seed = Environment.TickCount;
        var random = new Random(seed);
        string folder = Run.RunFolder();
        var loaded = new HashSet<string>();
        long? latest = null;
        int insideSave = 0;

        for (int kill = 0; kill < Kills; kill++)
        {
            string context = $"kill {kill + 1} of {Kills} (seed {seed}, latest {latest?.ToString() ?? "none"})";
            using var moe = MoeProcess.Start(latest is null ? Run.Train(folder, "--save-every 1") : Run.Resume(folder));
            string started = moe.WaitForLine(l => l.StartsWith("training steps", StringComparison.Ordinal));
            if (latest is long from) Assert.True(started.StartsWith($"training steps {from + 1}..", StringComparison.Ordinal), $"{context}: {started}");
            moe.WaitForLine(Saved);   // each round gets at least two steps further
            var period = Stopwatch.StartNew();
            moe.WaitForLine(Saved);

            if (kill % 2 == 0) Thread.Sleep(random.Next(1 + 2 * (int)period.ElapsedMilliseconds));
            else WaitForSave(folder, moe.Pid, context);
            Assert.False(moe.HasExited, $"{context}: the run ended before the kill; raise TinyRun.Steps");
            moe.Signal(MoeProcess.SigKill);
            moe.WaitForExit();

            if (Saving(folder, moe.Pid)) insideSave++;
            long? now = TinyRun.LoadLatest(folder);
            Assert.True(now >= latest || latest is null, $"{context}: latest went back to {now}");
            latest = now;
            foreach (var checkpoint in TinyRun.CheckpointFolders(folder).Where(loaded.Add))
                TinyRun.Load(checkpoint);   // every folder under a checkpoint's name is complete
        }

        output.WriteLine($"seed {seed}: {Kills} kills, {insideSave} inside a save, the last at step {latest}; {loaded.Count} checkpoints loaded");
        var finish = MoeProcess.Run(Run.Resume(folder));
        Assert.True(finish.Code == 0, $"seed {seed}: {finish}");
        Assert.Contains($"done at step {TinyRun.Steps}/{TinyRun.Steps}", finish.Stdout);
        Assert.Equal(TinyRun.Steps, TinyRun.LoadLatest(folder));
        Assert.DoesNotContain(Directory.EnumerateDirectories(folder), d => AtomicFolder.IsTemporary(Path.GetFileName(d)));
        Assert.True(insideSave > 0, $"seed {seed}: none of {Kills} kills landed inside a checkpoint save");
        Assert.Equal(TinyRun.Straight.Losses, TinyRun.Losses(folder));
    }

    private static bool Saved(string line) => line.StartsWith("saved ", StringComparison.Ordinal);

    // Polls (every millisecond) until process pid is writing a checkpoint: its temporary folder exists.
    private static void WaitForSave(string folder, int pid, string context)
    {
        var clock = Stopwatch.StartNew();
        while (!Saving(folder, pid))
        {
            if (clock.Elapsed > MoeProcess.Patience) Assert.Fail($"{context}: no checkpoint save began within {MoeProcess.Patience.TotalSeconds} s");
            Thread.Sleep(1);
        }
    }

    // AtomicFolder names its temporary folders "<name>.tmp-<pid>-<guid>".
    private static bool Saving(string folder, int pid) =>
        Directory.Exists(folder) && Directory.EnumerateDirectories(folder).Any(d => d.Contains($".tmp-{pid}-", StringComparison.Ordinal));
}
