// Paths that are not regular files — a FIFO (opening it would block until a writer came),
// /dev/zero (reading it never ends) — and a regular file too large for its kind (a sparse file that
// claims terabytes). Every reader of a user's file goes through Model/RegularFile, so each such
// path is refused unopened, naming it, within seconds: in process, for every loader (the product of
// loaders × special files is generated), and through the CLI for the commands a user types, with
// the refused command's peak memory under 300 MB (Refusal).
using System.Runtime.InteropServices;
using MoeFromScratch.Model.Checkpoint;
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Cli;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Plots;
using MoeFromScratch.Train.Tokenizer;

namespace MoeFromScratch.PropertyTests.Reliability;

public sealed partial class SpecialFileTests : FuzzFolderTests
{
    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int mkfifo(string path, uint mode);

    // Every reader of a file a user can name, as it is called.
    private static readonly (string Name, Action<string> Load)[] Loaders =
    [
        ("config.json", path => MoeConfigJson.Load(path)),
        ("--config FILE", path => MoePresets.Resolve(path)),
        ("tokenizer.json", path => TokenizerJson.Load(path)),
        ("safetensors", path => SafeTensorsFile.ReadHeader(path)),
        ("safetensors index", path => ShardedCheckpoint.ReadHeaders(path)),
        ("token file", path => TokenFile.Open(path)),
        ("--data", path => TextFilesCorpus.Load(path)),
        ("--tokens", path => TokenSequencesFile.Read(path, 512, 257)),
        ("trainer_state.json", path => TrainerState.Load(path)),
        ("metrics.jsonl", path => MetricsFile.Read(path)),
        ("sft --data FILE.jsonl", path => MoeFromScratch.Train.Sft.JsonlConversations.Read(path)),
    ];

    public static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>();
        foreach (var (name, _) in Loaders)
            foreach (var kind in new[] { "fifo", "/dev/zero", "sparse" })
                cases.Add(name, kind);
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_fifo_a_device_or_a_huge_sparse_file_is_refused_unopened(string loader, string kind)
    {
        if (!OperatingSystem.IsLinux()) return;
        string path = Special(kind, loader == "safetensors index" ? "model.safetensors.index.json" : "input.json");
        var load = Loaders.Single(l => l.Name == loader).Load;
        var error = await Task.Run(() => Assert.ThrowsAny<MoeUserException>(() => load(path)))
            .WaitAsync(TimeSpan.FromSeconds(10));   // TimeoutException: it blocked or read forever
        Assert.Contains(path, error.Message);
        Assert.DoesNotContain('\n', error.Message);
        if (kind != "sparse") Assert.Contains("not a regular file", error.Message);
    }

    public static TheoryData<string, string> Commands => new()
    {
        { "params --config {fifo}", "FIFO" },
        { "params --config /dev/zero", "character device" },
        { "train --config {fifo} --device cpu", "FIFO" },
        { "train --config tiny --device cpu --steps 1 --data {fifo}", "FIFO" },
        { "generate --checkpoint {fifo-config}", "FIFO" },
        { "eval --checkpoint {model} --tokens {fifo} --device cpu", "FIFO" },
        { "eval --checkpoint {model} --tokens /dev/zero --device cpu", "character device" },
        { "eval --checkpoint {model} --tokens {sparse} --device cpu", "more than" },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void The_cli_refuses_them_in_one_line(string command, string expected)
    {
        if (!OperatingSystem.IsLinux()) return;
        string model = Directory.CreateDirectory(Folder.File("model")).FullName;
        MoeConfigJson.Save(MoePresets.Tiny, Path.Combine(model, "config.json"));
        string fifoConfig = Directory.CreateDirectory(Folder.File("fifo-config")).FullName;
        Special("fifo", Path.Combine("fifo-config", "config.json"));
        string args = command.Replace("{fifo-config}", fifoConfig).Replace("{fifo}", Special("fifo", "pipe.txt"))
            .Replace("{sparse}", Special("sparse", "huge.json")).Replace("{model}", model);
        Refusal.Assert(args, expected);
    }

    // A FIFO, /dev/zero itself, or a sparse file of 1 TiB (no blocks on disk) at Folder/name.
    private string Special(string kind, string name)
    {
        if (kind == "/dev/zero") return kind;
        string path = Folder.File(name);
        if (kind == "fifo") Assert.Equal(0, mkfifo(path, 0b110_000_000));
        else
        {
            using var file = File.Create(path);
            file.SetLength(1L << 40);
        }
        return path;
    }
}
