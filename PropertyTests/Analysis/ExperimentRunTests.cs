// Experiments end to end at the tiny scale (a 300-token vocabulary trained on a few kilobytes of
// prose, code and markup, 2 training steps a model): every model trains, is measured and saved;
// results.json, results.md and the plots are written; a saved checkpoint reloads to the very loss
// that was reported; and `moe analyze` on the model's run folder reports that loss too.
using System.Diagnostics;
using System.Text.Json;
using MoeFromScratch.Model.Moe;
using MoeFromScratch.PropertyTests.Train;
using MoeFromScratch.Train.Analysis;
using MoeFromScratch.Train.Experiments;

namespace MoeFromScratch.PropertyTests.Analysis;

public sealed class ExperimentRunTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("moe-experiment-test-").FullName;

    public ExperimentRunTests()
    {
        // Fewer than 100 documents: the last file (z.md) is the validation split.
        for (int i = 0; i < 6; i++)
        {
            File.WriteAllText(Path.Combine(Data, $"a{i}.md"), SampleText.Documents[i]);
            File.WriteAllText(Path.Combine(Data, $"b{i}.cs"), SampleText.Documents[10 + i]);
            File.WriteAllText(Path.Combine(Data, $"c{i}.xml"), $"<doc><item n=\"{i}\">{SampleText.Documents[20 + i]}</item></doc>");
        }
        File.WriteAllText(Path.Combine(Data, "z.md"), SampleText.Documents[30]);
    }

    private string Data => Directory.CreateDirectory(Path.Combine(_root, "data")).FullName;
    private string Cache => Path.Combine(_root, "cache");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private (ExperimentResult Result, IReadOnlyList<string> Files) Run(string name)
    {
        var options = new ExperimentOptions(name, ExperimentScale.Tiny, Steps: 2, Seed: 3, Path.Combine(_root, name), Data, Cache, "cpu", $"moe experiment {name} --scale tiny");
        var result = ExperimentRunner.Run(options, TextWriter.Null);
        return (result, ExperimentReport.Write(result, options.Out));
    }

    [Fact]
    public void Redundancy_trains_analyses_and_reports_both_models()
    {
        var (result, files) = Run("redundancy");

        Assert.Equal(["deepseekmoe", "gshard-x1.5"], result.Models.Select(m => m.Name));
        Assert.All(result.Models, m => Assert.True(double.IsFinite(m.ValidationLoss)));
        Assert.Equal(2 * 2 * 16, result.TokensPerModel);
        var deepSeek = result.Models[0].Analysis!;
        Assert.Equal([0, 4, 8, 12, 16], deepSeek.Redundancy.Select(p => p.Disabled));
        Assert.Equal(7, deepSeek.ActiveExpertsSweep.Count);
        Assert.Equal(2, result.Models[1].Analysis!.ActiveExpertsSweep.Count);
        Assert.Contains(result.Findings, f => f.Contains("rises faster at"));

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_root, "redundancy", ExperimentReport.JsonFile)));
        Assert.Equal(2, json.RootElement.GetProperty("models").GetArrayLength());
        Assert.Equal(result.Models[0].ValidationLoss, json.RootElement.GetProperty("models")[0].GetProperty("validation_loss").GetDouble());
        string markdown = File.ReadAllText(Path.Combine(_root, "redundancy", ExperimentReport.MarkdownFile));
        Assert.Contains("| deepseekmoe | 1 shared + 7/63 routed × F/4 |", markdown);
        Assert.Contains("| 4/16 |", markdown);
        foreach (var png in new[] { "val_loss.png", "train_loss.png", "redundancy.png", "active_experts.png" })
            Assert.Contains(files, f => f.EndsWith(png) && new FileInfo(f).Length > 1000);
        Assert.True(File.Exists(Path.Combine(result.Models[0].Folder, ExperimentRunner.AnalysisFolder, AnalysisJson.FileName)));

        // the saved checkpoint reloads to exactly the loss that was reported
        var saved = result.Models[0];
        using var model = MoeFromScratch.Model.Checkpoint.ModelWeights.Load(saved.Checkpoint);
        var prepared = MoeFromScratch.Train.Data.TokenizedCorpus.Prepare(MoeFromScratch.Train.Data.TextFilesCorpus.Load(Data), 300, Cache);
        using var split = new ValidationSplit(prepared, result.BatchSize, result.SequenceLength, batches: null);
        Assert.Equal(saved.ValidationLoss, ValidationPass.Run(model, split.Data, new RoutingOverride()));

        // and `moe analyze` on the run folder (data, batch and sequence from its trainer state) says the same
        var (exit, stdout, stderr) = Reliability.MoeProcess.Run($"analyze --checkpoint {saved.Folder} --cache {Cache} --device cpu --json --out {Path.Combine(_root, "analysis")}");
        Assert.True(exit == 0, stderr);
        using var analysis = JsonDocument.Parse(stdout);
        Assert.Equal(saved.ValidationLoss, analysis.RootElement.GetProperty("validation_loss").GetDouble());
        Assert.Equal(deepSeek.Redundancy.Select(p => p.ValidationLoss!.Value),
            analysis.RootElement.GetProperty("redundancy").EnumerateArray().Select(p => p.GetProperty("validation_loss").GetDouble()));
    }

    [Fact]
    public void Baselines_report_every_model_beside_the_papers_loss()
    {
        var (result, _) = Run("baselines");

        Assert.Equal(["dense", "hash", "switch", "gshard", "deepseekmoe"], result.Models.Select(m => m.Name));
        Assert.Equal([2.060, 1.932, 1.881, 1.867, 1.808], result.Models.Select(m => m.PaperLoss!.Value));
        Assert.All(result.Models, m => Assert.True(double.IsFinite(m.ValidationLoss)));
        Assert.Contains(result.Findings, f => f.Contains("of 10 pairs in the paper's order"));
        Assert.True(result.Models[0].TotalParameters < result.Models[4].TotalParameters);
        // Switch activates one FFN of width F per layer, as Dense does, plus its router (E × C per layer)
        var tiny = ExperimentScale.Tiny;
        Assert.Equal(result.Models[0].ActivatedParameters + 16L * tiny.Hidden * tiny.Layers, result.Models[2].ActivatedParameters);
    }
}
