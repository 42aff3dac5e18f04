// TinyRun: a `moe train` run small enough to start, kill and resume many times in a test — the
// tiny preset on the CPU, B 2 × T 16, a generated corpus of ~130 KB passed by --data (its
// tokenizer trains in a second) and a token cache of its own, all in one temporary folder. Plus
// what the tests check afterwards: the losses metrics.jsonl recorded, as written (Utf8JsonWriter
// writes the shortest round-trip form, so equal strings are bit-equal doubles), and a full load of
// a checkpoint folder into a fresh model and optimizer.
// Reference is one uninterrupted run of Steps steps that the kill, interrupt and determinism tests
// compare with; it is made once per test process and its folder deleted when the process ends.
// Also here: an in-process checkpoint writer on the same corpus, and TinyRunTests, the base of test
// classes that own one TinyRun per test case.
using System.Text.Json;
using System.Text.RegularExpressions;
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Optim;
using MoeFromScratch.Train.Tokenizer;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.PropertyTests.Reliability;

public sealed partial class TinyRun : IDisposable
{
    public const long Steps = 300;   // enough that 24 kill rounds of a few steps each never reach the end
    public const ulong Seed = 7;

    public string Folder { get; } = Directory.CreateTempSubdirectory("moe-reliability-").FullName;
    public string Corpus => Path.Combine(Folder, "corpus");
    public string Cache => Path.Combine(Folder, "cache");

    public TinyRun() => WriteCorpus(Corpus);

    public string RunFolder(string name = "run") => Path.Combine(Folder, name);

    /// <summary>`moe train` of a fresh run into runFolder; more: extra options (say "--save-every 1").</summary>
    public string Train(string runFolder, string more = "", long steps = Steps) =>
        $"train --config tiny --data {Corpus} --cache {Cache} --out {runFolder} --device cpu " +
        $"--steps {steps} --batch 2 --seq 16 --eval-every 0 --seed {Seed} {more}";

    /// <summary>`moe train --resume runFolder`: the saved settings, on the CPU.</summary>
    public string Resume(string runFolder, string more = "") => $"train --resume {runFolder} --cache {Cache} --device cpu {more}";

    /// <summary>The uninterrupted run everything else is compared with.</summary>
    public static Reference Straight => LazyReference.Value;

    private static readonly Lazy<Reference> LazyReference = new(() =>
    {
        var run = new TinyRun();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => run.Dispose();
        string folder = run.RunFolder("straight");
        var exit = MoeProcess.Run(run.Train(folder, "--save-every 0"));
        Assert.True(exit.Code == 0, exit.ToString());
        return new Reference(run, folder, Losses(folder));
    });

    public sealed record Reference(TinyRun Run, string RunFolder, IReadOnlyList<string> Losses);

    /// <summary>metrics.jsonl's training losses by step, as written; fails unless steps 1.. appear once each, in order.</summary>
    public static IReadOnlyList<string> Losses(string runFolder)
    {
        var losses = new List<string>();
        foreach (var line in File.ReadLines(Path.Combine(runFolder, MetricsLog.FileName)))
        {
            using var json = JsonDocument.Parse(line);
            if (json.RootElement.GetProperty("kind").GetString() != "train") continue;
            Assert.Equal(losses.Count + 1, json.RootElement.GetProperty("step").GetInt64());
            losses.Add(json.RootElement.GetProperty("loss").GetRawText());
        }
        return losses;
    }

    /// <summary>
    /// A checkpoint writer for runFolder in this process: a fresh tiny-preset model (seed Seed), its
    /// AdamW (the caller disposes it) and a tokenizer trained on the corpus.
    /// </summary>
    public (TrainingCheckpoint Checkpoint, AdamW Optimizer) NewCheckpoint(string runFolder)
    {
        var model = ModelFactory.Create(MoePresets.Tiny, Device.Cpu, Seed);
        var optimizer = new AdamW(model.Module.NamedParameters());
        var tokenizer = BpeTrainer.Train(Directory.GetFiles(Corpus).Order().Select(File.ReadAllText), MoePresets.Tiny.VocabSize);
        return (new TrainingCheckpoint(runFolder, model, optimizer, MoePresets.Tiny, tokenizer), optimizer);
    }

    /// <summary>
    /// Loads a checkpoint folder completely — config.json, tokenizer.json, the weights and AdamW's
    /// moments into a fresh model and optimizer, trainer_state.json — and returns its step.
    /// </summary>
    public static long Load(string checkpoint)
    {
        var config = MoeConfigJson.Load(Path.Combine(checkpoint, "config.json"));
        var tokenizer = TokenizerJson.Load(Path.Combine(checkpoint, "tokenizer.json"));
        Assert.Equal(config.VocabSize, tokenizer.VocabSize);
        var model = ModelFactory.Create(config, Device.Cpu, Seed + 1);
        using var optimizer = new AdamW(model.Module.NamedParameters());
        var state = TrainingCheckpoint.Restore(checkpoint, model, optimizer);
        Assert.Equal(CheckpointStore.FolderName(state.Step), Path.GetFileName(checkpoint));
        return state.Step;
    }

    /// <summary>The step `latest` names after a full load of that checkpoint; null when there is no `latest` yet.</summary>
    public static long? LoadLatest(string runFolder) =>
        File.Exists(Path.Combine(runFolder, CheckpointStore.LatestFile)) ? Load(CheckpointStore.Resolve(runFolder)) : null;

    /// <summary>Folders named exactly like a checkpoint ("checkpoint-NNNNNN"), the only names a reader may take for one.</summary>
    public static IEnumerable<string> CheckpointFolders(string runFolder) =>
        Directory.EnumerateDirectories(runFolder).Where(d => CheckpointName().IsMatch(Path.GetFileName(d))).Order(StringComparer.Ordinal);

    /// <summary>Everything in a folder, recursively, as relative path → bytes.</summary>
    public static SortedDictionary<string, byte[]> Snapshot(string folder) => new(
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f), File.ReadAllBytes), StringComparer.Ordinal);

    [GeneratedRegex("^checkpoint-[0-9]{6}$")]
    private static partial Regex CheckpointName();

    // Four documents of made-up sentences: enough distinct byte pairs for a 512-token BPE vocabulary.
    private static void WriteCorpus(string folder)
    {
        Directory.CreateDirectory(folder);
        string[] words =
        [
            "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "tensor", "gradient", "expert", "router",
            "shared", "routed", "attention", "norm", "layer", "token", "batch", "step", "loss", "model", "weight",
            "matrix", "vector", "kernel", "device", "memory", "pool", "buffer", "shader", "queue", "fence",
        ];
        var random = new Random(1);
        for (int d = 0; d < 4; d++)
        {
            var text = new System.Text.StringBuilder();
            for (int line = 0; line < 400; line++)
            {
                text.AppendJoin(' ', Enumerable.Range(0, 12).Select(_ =>
                    words[random.Next(words.Length)] + (random.NextDouble() < 0.2 ? random.Next(1000).ToString() : "")));
                text.Append(".\n");
            }
            File.WriteAllText(Path.Combine(folder, $"doc{d}.txt"), text.ToString());
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
    }
}

/// <summary>A test class with its own TinyRun per test case (xUnit makes an instance per case and disposes it).</summary>
public abstract class TinyRunTests : IDisposable
{
    protected TinyRun Run { get; } = new();

    public void Dispose() => Run.Dispose();
}
