// `moe train` when its output cannot be written, through the CLI and real kernel failures that a
// test can cause even as root (where chmod stops nothing): a file size limit (ulimit -f, so write(2)
// fails with EFBIG halfway through optimizer.safetensors), a checkpoint name taken by a regular file
// (the very last step of a save, the rename, fails), an --out that is a file or lies under one, a
// --cache under a file; and, for other users only, a run folder made read-only with chmod. Each
// must exit 1 with exactly one stderr line `moe: error: <path>: cannot be written (...)` and no
// stack trace, and leave the last checkpoint and `latest` byte for byte as they were, with no
// temporary folder behind; after a failed save, resuming (with the obstacle gone) finishes the run
// from that checkpoint.
using System.Runtime.Versioning;
using MoeFromScratch.Train.Checkpointing;

namespace MoeFromScratch.PropertyTests.Reliability;

[UnsupportedOSPlatform("windows")]
public sealed class OutputFailureTests : IClassFixture<OutputFailureTests.ThreeSteps>, IDisposable
{
    private readonly TinyRun _run;
    private readonly string _folder;   // a copy of the three-step run, this test's own

    public OutputFailureTests(ThreeSteps prepared)
    {
        _run = prepared.Run;
        _folder = _run.RunFolder($"run-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_folder);
        foreach (var file in Directory.EnumerateFiles(prepared.Folder, "*", SearchOption.AllDirectories))
        {
            string copy = Path.Combine(_folder, Path.GetRelativePath(prepared.Folder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
    }

    public void Dispose()
    {
        SetWritable(_folder, true);
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void A_file_size_limit_in_the_middle_of_a_save_is_one_line_and_keeps_the_last_checkpoint()
    {
        var kept = Kept();
        // RLIMIT_FSIZE 1 MiB: model.safetensors (0.7 MB) fits, optimizer.safetensors (1.4 MB) does not.
        // SIGXFSZ ignored so write(2) returns EFBIG; no W^X double mapping, whose memfd the limit would refuse.
        var exit = MoeProcess.Run(_run.Resume(_folder, "--steps 6"),
            environment: new Dictionary<string, string> { ["DOTNET_EnableWriteXorExecute"] = "0" },
            shellPrefix: "ulimit -f 1024; trap '' XFSZ");
        exit.AssertOneLineError($"{Checkpoint(6)}: cannot be written (File too large");
        AssertKept(kept);
        Assert.False(Directory.Exists(Checkpoint(6)));
        AssertResumeFinishes();
    }

    [Fact]
    public void A_checkpoint_name_taken_by_a_file_fails_at_the_rename_and_keeps_the_last_checkpoint()
    {
        File.WriteAllText(Checkpoint(6), "not a folder");
        var kept = Kept();
        var exit = MoeProcess.Run(_run.Resume(_folder, "--steps 6"));
        exit.AssertOneLineError($"{Checkpoint(6)}: cannot be written (");
        AssertKept(kept);
        File.Delete(Checkpoint(6));
        AssertResumeFinishes();
    }

    [Theory]
    [InlineData("file")]        // --out is a regular file
    [InlineData("file/run")]    // --out lies under one
    public void An_output_folder_that_cannot_be_made_is_one_line_naming_it(string output)
    {
        File.WriteAllText(Path.Combine(_folder, "file"), "a regular file");
        string path = Path.Combine(_folder, output);
        var exit = MoeProcess.Run(_run.Train(path, steps: 2));
        exit.AssertOneLineError($"{path}: cannot be written (");   // the run folder is claimed before anything is written into it
        Assert.Equal("a regular file", File.ReadAllText(Path.Combine(_folder, "file")));
    }

    [Fact]
    public void A_cache_folder_that_cannot_be_made_is_one_line_naming_it()
    {
        File.WriteAllText(Path.Combine(_folder, "file"), "a regular file");
        string cache = Path.Combine(_folder, "file", "cache");
        var exit = MoeProcess.Run(_run.Train(_run.RunFolder($"run-{Guid.NewGuid():N}"), steps: 2).Replace($"--cache {_run.Cache}", $"--cache {cache}"));
        exit.AssertOneLineError($"{cache}/");
        Assert.Contains("cannot be written (", exit.Stderr);
    }

    [ChmodFact]
    public void A_read_only_run_folder_refuses_to_resume_in_one_line_and_keeps_its_checkpoint()
    {
        var kept = Kept();
        SetWritable(_folder, false);
        var exit = MoeProcess.Run(_run.Resume(_folder, "--steps 6"));
        SetWritable(_folder, true);
        exit.AssertOneLineError($"{Path.Combine(_folder, "metrics.jsonl")}: cannot be written (");
        AssertKept(kept);
        AssertResumeFinishes();
    }

    private string Checkpoint(long step) => Path.Combine(_folder, CheckpointStore.FolderName(step));

    // The last checkpoint's files and `latest`, byte for byte.
    private SortedDictionary<string, byte[]> Kept()
    {
        var kept = TinyRun.Snapshot(Checkpoint(3));
        kept[CheckpointStore.LatestFile] = File.ReadAllBytes(Path.Combine(_folder, CheckpointStore.LatestFile));
        return kept;
    }

    private void AssertKept(SortedDictionary<string, byte[]> kept)
    {
        var now = Kept();
        Assert.Equal(kept.Keys, now.Keys);
        foreach (var (name, bytes) in kept) Assert.True(bytes.AsSpan().SequenceEqual(now[name]), $"{name} changed");
        Assert.DoesNotContain(Directory.EnumerateDirectories(_folder), d => AtomicFolder.IsTemporary(Path.GetFileName(d)));
        Assert.Equal(3, TinyRun.LoadLatest(_folder));
    }

    private void AssertResumeFinishes()
    {
        var exit = MoeProcess.Run(_run.Resume(_folder, "--steps 6"));
        Assert.True(exit.Code == 0, exit.ToString());
        Assert.Contains($"resuming from {Checkpoint(3)} at step 3", exit.Stdout);
        Assert.Equal(6, TinyRun.LoadLatest(_folder));
    }

    private static void SetWritable(string folder, bool writable)
    {
        var mode = UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherExecute | (writable ? UnixFileMode.UserWrite : 0);
        foreach (var d in Directory.EnumerateDirectories(folder, "*", SearchOption.AllDirectories).Prepend(folder))
            File.SetUnixFileMode(d, mode);
    }

    /// <summary>A three-step run (checkpoint-000003, `latest`, metrics.jsonl) that each test copies.</summary>
    public sealed class ThreeSteps : IDisposable
    {
        internal TinyRun Run { get; } = new();
        internal string Folder { get; }

        public ThreeSteps()
        {
            Folder = Run.RunFolder("three-steps");
            var exit = MoeProcess.Run(Run.Train(Folder, "--save-every 0", steps: 3));
            Assert.True(exit.Code == 0, exit.ToString());
        }

        public void Dispose() => Run.Dispose();
    }
}

/// <summary>A fact that needs chmod to stop this user's writes: skipped as root (or with CAP_DAC_OVERRIDE).</summary>
[UnsupportedOSPlatform("windows")]
public sealed class ChmodFactAttribute : FactAttribute
{
    public ChmodFactAttribute()
    {
        var probe = Directory.CreateTempSubdirectory("moe-chmod-probe-");
        try
        {
            File.SetUnixFileMode(probe.FullName, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            File.WriteAllText(Path.Combine(probe.FullName, "x"), "");
            Skip = "chmod does not stop this user's writes (root?): the read-only cases run as EFBIG, a file in the way and an --out under a file";
        }
        catch (UnauthorizedAccessException)
        {
            // read-only is enforced: the test runs
        }
        finally
        {
            File.SetUnixFileMode(probe.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            probe.Delete(recursive: true);
        }
    }
}
