// Experiments end to end at the tiny scale (a 300-token vocabulary trained on a few kilobytes of
// prose, code and markup, 2 training steps a model): every model trains once per seed, is measured
// and saved; results.json keeps every seed, results.md the mean ± std and the paired intervals; the
// plots are written; a saved checkpoint reloads to the very loss that was reported; `moe analyze`
// on the model's run folder reports that loss too; and a rerun with more seeds trains only those.
using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using MoeFromScratch.Model.Moe;
using MoeFromScratch.PropertyTests.Train;
using MoeFromScratch.Train.Analysis;
using MoeFromScratch.Train.Experiments;

namespace MoeFromScratch.PropertyTests.Analysis;

public sealed class ExperimentRunTests : TinyExperimentFolder
{
    private (ExperimentResult Result, IReadOnlyList<string> Files) Run(string name, ulong[] seeds, TextWriter? log = null)
    {
        var options = new ExperimentOptions(name, ExperimentScale.Tiny, Steps: 2, Tokens: null, seeds, Path.Combine(_root, name), Data, Cache, "cpu", $"moe experiment {name} --scale tiny");
        var result = ExperimentRunner.Run(options, log ?? TextWriter.Null)!;
        return (result, ExperimentReport.Write(result, options.Out));
    }

    [Fact]
    public void Redundancy_trains_every_model_per_seed_analyses_and_reports_the_spread()
    {
        var (result, files) = Run("redundancy", [3, 4]);

        Assert.Equal(["deepseekmoe", "gshard-x1.5"], result.Models.Select(m => m.Name));
        Assert.All(result.Models, m => Assert.Equal([3UL, 4UL], m.Seeds.Select(s => s.Seed)));
        Assert.All(result.Models, m => Assert.All(m.Losses, l => Assert.True(double.IsFinite(l))));
        Assert.All(result.Models, m => Assert.NotEqual(m.Losses[0], m.Losses[1]));   // another seed: another init and batch order
        Assert.All(result.Models, m => Assert.Equal(m.Losses.Average(), m.ValidationLoss, 12));
        Assert.Equal(2 * 2 * 16, result.TokensPerModel);
        var deepSeek = result.Models[0].Seeds[0].Analysis!;
        Assert.Equal([0, 4, 8, 12, 16], deepSeek.Redundancy.Select(p => p.Disabled));
        Assert.Equal(7, deepSeek.ActiveExpertsSweep.Count);
        Assert.NotNull(deepSeek.SharedDisabledLoss);
        Assert.Null(result.Models[1].Seeds[0].Analysis!.SharedDisabledLoss);   // GShard×1.5 has no shared expert
        Assert.Equal(2, result.Models[1].Seeds[0].Analysis!.ActiveExpertsSweep.Count);
        Assert.Contains(result.Findings, f => f.Contains("Loss rise as top experts are disabled"));
        Assert.Contains(result.Findings, f => f.Contains("shared expert disabled at inference"));
        var pair = Assert.Single(result.Comparisons);
        Assert.Equal(SeedStatistics.Paired(result.Models[0].Losses, result.Models[1].Losses), pair.Difference);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_root, "redundancy", ExperimentReport.JsonFile)));
        var first = json.RootElement.GetProperty("models")[0];
        Assert.Equal(2, json.RootElement.GetProperty("models").GetArrayLength());
        Assert.Equal(result.Models[0].Losses, first.GetProperty("seeds").EnumerateArray().Select(s => s.GetProperty("validation_loss").GetDouble()));
        Assert.Equal(result.Models[0].ValidationLoss, first.GetProperty("validation_loss").GetDouble());
        string markdown = File.ReadAllText(Path.Combine(_root, "redundancy", ExperimentReport.MarkdownFile));
        Assert.Contains($"| deepseekmoe | 1 shared + 7/63 routed × F/4 | {result.Models[0].TotalParameters:N0} | {result.Models[0].ActivatedParameters:N0} | " +
            $"{result.Models[0].ValidationLoss:F4} ± {result.Models[0].ValidationLossStd!.Value:F4} | {result.Models[0].Losses[0]:F4} / {result.Models[0].Losses[1]:F4} |", markdown);
        Assert.Contains($"| gshard-x1.5 − deepseekmoe | {ExperimentFindings.Signed(pair.Difference.Mean)} | {ExperimentFindings.Bounds(pair.Difference)} |", markdown);
        Assert.Contains("| r ≈ 4/16 |", markdown);
        foreach (var png in new[] { "val_loss.png", "train_loss.png", "redundancy.png", "active_experts.png" })
            Assert.Contains(files, f => f.EndsWith(png) && new FileInfo(f).Length > 1000);
        Assert.True(File.Exists(Path.Combine(result.Models[0].Seeds[1].Folder, SeedTraining.AnalysisFolder, AnalysisJson.FileName)));

        // --plots: the plots and each MoE model's load heatmap copied beside the docs, embedded in results.md with the command under each
        string plots = Directory.CreateDirectory(Path.Combine(_root, "docs", "experiments")).FullName;
        ExperimentReport.Write(result, Path.Combine(_root, "redundancy"), plots);
        Assert.Equal(["redundancy-active_experts.png", "redundancy-deepseekmoe-expert_load.png", "redundancy-gshard-x1.5-expert_load.png",
            "redundancy-redundancy.png", "redundancy-train_loss.png", "redundancy-val_loss.png"], Directory.GetFiles(plots).Select(Path.GetFileName).Order());
        markdown = File.ReadAllText(Path.Combine(_root, "redundancy", ExperimentReport.MarkdownFile));
        Assert.Contains("![redundancy: val loss](experiments/redundancy-val_loss.png)", markdown);
        Assert.Contains("*val loss*; produced by `moe experiment redundancy --scale tiny`.", markdown);

        // the saved checkpoint reloads to exactly the loss that was reported
        var saved = result.Models[0].Seeds[0];
        using var model = MoeFromScratch.Model.Checkpoint.ModelWeights.Load(saved.Checkpoint);
        var prepared = MoeFromScratch.Train.Data.TokenizedCorpus.Prepare(MoeFromScratch.Train.Data.TextFilesCorpus.Load(Data), 300, Cache);
        using var split = new ValidationSplit(prepared, result.BatchSize, result.SequenceLength, batches: null);
        Assert.Equal(saved.ValidationLoss, ValidationPass.Run(model, split.Data, new RoutingOverride()));

        // and `moe analyze` on the run folder (data, batch and sequence from its trainer state) says the same
        var (exit, stdout, stderr) = Reliability.MoeProcess.Run($"analyze --checkpoint {saved.Folder} --cache {Cache} --device cpu --json --out {Path.Combine(_root, "analysis")}");
        Assert.True(exit == 0, stderr);
        using var analysis = JsonDocument.Parse(stdout);
        Assert.Equal(saved.ValidationLoss, analysis.RootElement.GetProperty("validation_loss").GetDouble());
        Assert.Equal(deepSeek.SharedDisabledLoss, analysis.RootElement.GetProperty("shared_disabled_loss").GetDouble());
        Assert.Equal(deepSeek.Redundancy.Select(p => p.ValidationLoss!.Value),
            analysis.RootElement.GetProperty("redundancy").EnumerateArray().Select(p => p.GetProperty("validation_loss").GetDouble()));
    }

    [Fact]
    public void Baselines_report_every_model_beside_the_papers_loss()
    {
        var (result, _) = Run("baselines", [3]);

        Assert.Equal(["dense", "hash", "switch", "gshard", "deepseekmoe", "dense-x16"], result.Models.Select(m => m.Name));
        Assert.Equal([2.060, 1.932, 1.881, 1.867, 1.808, 1.806], result.Models.Select(m => m.PaperLoss!.Value));
        Assert.All(result.Models, m => Assert.True(double.IsFinite(m.ValidationLoss)));
        Assert.Equal(15, result.Comparisons.Count);
        Assert.Contains(result.Findings, f => f.Contains("of 15 pairs in the paper's order by the means"));
        Assert.Contains(result.Findings, f => f.Contains("the hash router's"));
        Assert.Contains(result.Findings, f => f.StartsWith("Single seed"));
        // every MoE model gets the plain pass's load and routing by kind, no sweeps; the dense models none
        Assert.Null(result.Models[0].Seeds[0].Analysis);
        Assert.Null(result.Models[5].Seeds[0].Analysis);
        Assert.All(result.Models.Skip(1).Take(4), m => Assert.Empty(m.Seeds[0].Analysis!.Redundancy));
        Assert.All(result.Models.Skip(1).Take(4), m => Assert.Equal(m.ValidationLoss, m.Seeds[0].Analysis!.ValidationLoss));
        Assert.True(result.Models[0].TotalParameters < result.Models[4].TotalParameters);
        // Switch activates one FFN of width F per layer, as Dense does, plus its router (E × C per layer)
        var tiny = ExperimentScale.Tiny;
        Assert.Equal(result.Models[0].ActivatedParameters + 16L * tiny.Hidden * tiny.Layers, result.Models[2].ActivatedParameters);
    }

    [Fact]
    public void A_rerun_with_more_seeds_trains_only_the_new_ones()
    {
        var (once, _) = Run("ablation-shared-ratio", [5]);
        var log = new StringWriter();
        var (twice, _) = Run("ablation-shared-ratio", [5, 6], log);

        static object Facts(SeedRun r) => (r.Seed, r.Steps, r.ValidationLoss, r.TrainSeconds, r.WallSeconds, r.Checkpoint, r.Analysis!.Layers[0].Load.Tokens.Sum());
        Assert.All(once.Models.Zip(twice.Models), p => Assert.Equal(Facts(p.First.Seeds[0]), Facts(p.Second.Seeds[0])));   // read back, not retrained
        Assert.Equal(3, Regex.Count(log.ToString(), @"seed 5: finished by an earlier run"));
        Assert.All(twice.Models, m => Assert.Equal([5UL, 6UL], m.Seeds.Select(s => s.Seed)));
        Assert.Equal(3, twice.Comparisons.Count);
        Assert.Contains(twice.Findings, f => f.Contains("against shared-1"));
        // another budget in the same folder is refused, not mixed in
        var options = new ExperimentOptions("ablation-shared-ratio", ExperimentScale.Tiny, Steps: 3, Tokens: null, [5], Path.Combine(_root, "ablation-shared-ratio"), Data, Cache, "cpu", "");
        var e = Assert.Throws<MoeFromScratch.Tensors.UsageException>(() => ExperimentRunner.Run(options, TextWriter.Null));
        Assert.Contains("trained 2 steps, this run asks for 3", e.Message);
    }
}
