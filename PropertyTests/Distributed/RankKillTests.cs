// RankKillTests: SIGKILL of one rank in the middle of a run ends the whole job within seconds — the
// launcher sees the rank die and ends the others, none is left waiting in a collective — and the
// last checkpoint rank 0 completed loads and resumes in one process. Two moments: mid-step (rank 1,
// after a few steps of a run saving every 2) and mid-save (rank 0, the writer, the moment its
// checkpoint's temporary folder appears in a run saving every step; under expert parallelism the
// experts have just been gathered from every rank). Data and expert parallel.
// A rank is found as the launcher's descendant whose environment names its rank.
using MoeFromScratch.PropertyTests.Reliability;
using MoeFromScratch.Train.Checkpointing;

namespace MoeFromScratch.PropertyTests.Distributed;

public sealed partial class RankKillTests : TinyRunTests
{
    private static readonly TimeSpan JobEnd = TimeSpan.FromSeconds(60);   // a hang guard: the job ends in about a second
    private static readonly TimeSpan WithinSeconds = TimeSpan.FromSeconds(20); // "within seconds" with room for a loaded 2-core machine (mpi-notes: 25-175 ms MPICH, ~1.1 s Open MPI)

    [MpiTheory]
    [InlineData(MpiLaunch.Mpich, "data", false)]
    [InlineData(MpiLaunch.OpenMpi, "data", false)]
    [InlineData(MpiLaunch.Mpich, "expert", false)]
    [InlineData(MpiLaunch.Mpich, "expert", true)]
    [InlineData(MpiLaunch.OpenMpi, "expert", true)]
    public void Killing_one_rank_ends_the_job_and_the_last_checkpoint_resumes(string mpi, string parallel, bool duringSave)
    {
        string folder = Run.RunFolder();
        using var job = MpiLaunch.Start(mpi, 2, Run.Train(folder, $"--parallel {parallel} --save-every {(duringSave ? 1 : 2)}"));
        job.WaitForLine(l => l.StartsWith("step") && l.Contains("tok/s"), MpiLaunch.ProcessTimeout);   // a few steps done
        int victim = Rank(job.Pid, duringSave ? 0 : 1);
        if (duringSave) WaitForSave(folder, victim);
        Assert.Equal(0, Kill(victim, MoeProcess.SigKill));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var exit = job.WaitForExit(JobEnd);
        Assert.NotEqual(0, exit.Code);
        Assert.True(clock.Elapsed < WithinSeconds, $"the job took {clock.Elapsed.TotalSeconds:F1} s to end after the kill");

        long? step = TinyRun.LoadLatest(folder);
        Assert.True(step is > 0, $"no checkpoint was completed before the kill{Environment.NewLine}{exit}");
        var resumed = MoeProcess.Run(Run.Resume(folder, $"--steps {step + 2} --warmup 0"), timeout: MpiLaunch.ProcessTimeout);
        Assert.True(resumed.Code == 0, resumed.ToString());
        Assert.Contains($"done at step {step + 2}/{step + 2}", resumed.Stdout);
        Assert.Equal(step + 2, TinyRun.LoadLatest(folder));
    }

    // The launcher's descendant whose environment says it is this rank.
    private static int Rank(int launcher, int rank) =>
        Descendants(launcher).Single(pid => Environ(pid).Any(v => v == $"OMPI_COMM_WORLD_RANK={rank}" || v == $"PMI_RANK={rank}"));

    // Polls (every millisecond) until process pid is writing a checkpoint: AtomicFolder's "<name>.tmp-<pid>-<guid>" exists.
    private static void WaitForSave(string folder, int pid)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!Directory.EnumerateDirectories(folder).Any(d => d.Contains($".tmp-{pid}-", StringComparison.Ordinal)))
        {
            if (clock.Elapsed > MoeProcess.Patience) Assert.Fail($"rank 0 (pid {pid}) began no checkpoint save within {MoeProcess.Patience.TotalSeconds} s");
            Thread.Sleep(1);
        }
    }

    // Every process whose parent chain reaches root, from /proc/<pid>/stat (field 4 is the parent).
    private static List<int> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');   // after "pid (comm) ": state, ppid, …
                parents[pid] = int.Parse(fields[1]);
            }
            catch (IOException) { }   // the process ended while we looked
        }
        var found = new List<int>();
        var frontier = new Queue<int>([root]);
        while (frontier.TryDequeue(out int p))
            foreach (var (child, parent) in parents)
                if (parent == p)
                {
                    found.Add(child);
                    frontier.Enqueue(child);
                }
        return found;
    }

    private static string[] Environ(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ").Split('\0');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
