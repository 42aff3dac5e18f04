// Temporary files of a killed writer (".<name>.<pid>.<guid>.tmp": a token file half encoded, a
// `latest` half rewritten) are deleted by the next `moe` that opens the folder — only those of
// dead processes: a live writer's stay. A dead pid is made by running a process to its end; a
// live one is this test process. Real child processes do the cleaning (`moe tokenize`, `moe train`).
using System.Diagnostics;

namespace MoeFromScratch.PropertyTests.Reliability;

public sealed class AbandonedFilesTests : TinyRunTests
{
    [Fact]
    public void The_next_tokenize_and_train_delete_the_temporary_files_of_dead_writers_only()
    {
        var first = MoeProcess.Run($"tokenize --data {Run.Corpus} --vocab 512 --out {Run.Cache}", timeout: TimeSpan.FromMinutes(5));
        Assert.True(first.Code == 0, first.ToString());
        string cacheFolder = Assert.Single(Directory.GetDirectories(Run.Cache));
        string folder = Run.RunFolder();
        var trained = MoeProcess.Run(Run.Train(folder, steps: 2));
        Assert.True(trained.Code == 0, trained.ToString());

        int dead = DeadPid();
        string[] abandoned = [Temporary(cacheFolder, "train.tokens", dead), Temporary(folder, "latest", dead)];
        string[] live = [Temporary(cacheFolder, "val.tokens", Environment.ProcessId), Temporary(folder, "metrics.jsonl", Environment.ProcessId)];

        var again = MoeProcess.Run($"tokenize --data {Run.Corpus} --vocab 512 --out {Run.Cache}", timeout: TimeSpan.FromMinutes(5));
        Assert.True(again.Code == 0, again.ToString());
        var resumed = MoeProcess.Run(Run.Resume(folder, "--steps 3"));
        Assert.True(resumed.Code == 0, resumed.ToString());

        Assert.All(abandoned, f => Assert.False(File.Exists(f), $"{f}: a dead writer's temporary file was kept"));
        Assert.All(live, f => Assert.True(File.Exists(f), $"{f}: a live writer's temporary file was deleted"));
    }

    private static string Temporary(string folder, string name, int pid)
    {
        string path = Path.Combine(folder, $".{name}.{pid}.{Guid.NewGuid():N}{MoeFromScratch.Model.AtomicFile.TemporarySuffix}");
        File.WriteAllBytes(path, new byte[4096]);
        return path;
    }

    // The pid of a process that has ended (pids are reused only after the whole range cycles).
    private static int DeadPid()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)));
        return process.Id;
    }
}
