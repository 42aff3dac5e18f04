// RankKillTests: SIGKILL of one rank in the middle of a data-parallel run (saving every 2 steps)
// ends the whole job — the launcher sees the rank die and ends the others, none is left waiting in a
// collective — and the last checkpoint rank 0 completed loads and resumes in one process.
// The rank is found as the launcher's descendant whose environment says it is rank 1.
using MoeFromScratch.PropertyTests.Reliability;
using MoeFromScratch.Train.Checkpointing;

namespace MoeFromScratch.PropertyTests.Distributed;

public sealed partial class RankKillTests : TinyRunTests
{
    private static readonly TimeSpan JobEnd = TimeSpan.FromSeconds(60);   // a hang guard: the job ends in about a second

    [MpiTheory]
    [InlineData(MpiLaunch.Mpich)]
    [InlineData(MpiLaunch.OpenMpi)]
    public void Killing_one_rank_ends_the_job_and_the_last_checkpoint_resumes(string mpi)
    {
        string folder = Run.RunFolder();
        using var job = MpiLaunch.Start(mpi, 2, Run.Train(folder, "--save-every 2"));
        job.WaitForLine(l => l.StartsWith("step") && l.Contains("tok/s"), MpiLaunch.ProcessTimeout);   // a few steps done
        int rank1 = Descendants(job.Pid).Single(pid => Environ(pid).Any(v => v is "OMPI_COMM_WORLD_RANK=1" or "PMI_RANK=1"));
        Assert.Equal(0, Kill(rank1, MoeProcess.SigKill));
        var exit = job.WaitForExit(JobEnd);
        Assert.NotEqual(0, exit.Code);

        long? step = TinyRun.LoadLatest(folder);
        Assert.True(step is > 0, $"no checkpoint was completed before the kill{Environment.NewLine}{exit}");
        var resumed = MoeProcess.Run(Run.Resume(folder, $"--steps {step + 2} --warmup 0"), timeout: MpiLaunch.ProcessTimeout);
        Assert.True(resumed.Code == 0, resumed.ToString());
        Assert.Contains($"done at step {step + 2}/{step + 2}", resumed.Stdout);
        Assert.Equal(step + 2, TinyRun.LoadLatest(folder));
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
