// One layer numbering everywhere (Training/Reporting/LayerNames): the model's own, model.layers.N
// from 0, through the built program. A 3-layer tiny model (layer 0 dense, MoE layers 1 and 2)
// trained a few steps: `moe train`'s expert load lines, metrics.jsonl's moe_layers, `moe eval
// --json`'s aux_per_layer and `moe analyze --json`'s layers must all name layers 1 and 2 (train
// used to count MoE layers among themselves, 0 and 1).
using System.Text.Json;
using System.Text.RegularExpressions;
using MoeFromScratch.Model.Config;

namespace MoeFromScratch.PropertyTests.Reliability;

public sealed partial class LayerNumberingTests
{
    [Fact]
    public void Train_metrics_eval_and_analyze_number_the_MoE_layers_as_the_model_does()
    {
        using var run = new TinyRun();
        var config = MoePresets.Tiny with { NumHiddenLayers = 3 };
        Assert.Equal([1, 2], Enumerable.Range(0, 3).Where(config.IsMoeLayer));
        string configPath = Path.Combine(run.Folder, "config.json"), folder = run.RunFolder();
        MoeConfigJson.Save(config, configPath);
        var train = MoeProcess.Run($"train --config {configPath} --data {run.Corpus} --cache {run.Cache} --out {folder} --device cpu " +
            "--steps 4 --batch 2 --seq 16 --eval-every 2 --seed 7");
        Assert.True(train.Code == 0, train.ToString());
        int[] expected = [1, 2];

        var printed = LoadLine().Matches(train.Stdout).Select(m => int.Parse(m.Groups[1].Value)).Distinct().Order();
        Assert.True(printed.SequenceEqual(expected), train.Stdout);
        foreach (var line in File.ReadLines(Path.Combine(folder, "metrics.jsonl")).Where(l => l.Contains("\"train\"", StringComparison.Ordinal)))
            Assert.Equal(expected, JsonDocument.Parse(line).RootElement.GetProperty("moe_layers").EnumerateArray().Select(e => e.GetInt32()));

        string tokens = Path.Combine(run.Folder, "tokens.json");
        File.WriteAllText(tokens, "[[1, 2, 3, 4], [5, 6, 7]]");
        var eval = MoeProcess.Run($"eval --checkpoint {folder} --tokens {tokens} --device cpu --json");
        Assert.True(eval.Code == 0, eval.ToString());
        Assert.Equal(expected, JsonDocument.Parse(eval.Stdout).RootElement.GetProperty("aux_per_layer").EnumerateObject().Select(p => int.Parse(p.Name)));

        var analyze = MoeProcess.Run($"analyze --checkpoint {folder} --cache {run.Cache} --device cpu --batches 1 --json");
        Assert.True(analyze.Code == 0, analyze.ToString());
        Assert.Equal(expected, JsonDocument.Parse(analyze.Stdout).RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("layer").GetInt32()));
    }

    [GeneratedRegex(@"expert load, layer (\d+) \(numbered as model\.layers\.N;")]
    private static partial Regex LoadLine();
}
