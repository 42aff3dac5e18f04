// `moe analyze` and `moe experiment` with bad input, run as the built program: each must exit 1
// with exactly one stderr line "moe: error: ..." naming the problem, and no stack trace —
// a missing folder, a dense model (nothing to analyse), a tokenizer that is not the data's,
// an unknown experiment, a step budget or scale out of range.
using MoeFromScratch.Model;
using MoeFromScratch.PropertyTests.Reliability;
using MoeFromScratch.PropertyTests.Train;
using MoeFromScratch.Train.Tokenizer;

namespace MoeFromScratch.PropertyTests.Analysis;

public sealed class AnalyzeCliTests : FuzzFolderTests
{
    public static TheoryData<string, string> BadCommands => new()
    {
        { "analyze --checkpoint /nonexistent/run", "/nonexistent/run: no such checkpoint or run folder" },
        { "analyze --checkpoint {dense}", "a dense model with no MoE layer; expert load, redundancy" },
        { "analyze --checkpoint {moe} --batches 0", "--batches 0: expected >= 1" },
        { "analyze --checkpoint {moe} --data {other} --cache {cache}", "tokenizer.json: not the tokenizer of" },
        { "experiment nosuch", "experiment 'nosuch': expected one of baselines, ablation-shared, ablation-granularity, ablation-shared-ratio, redundancy" },
        { "experiment baselines --steps 0", "--steps 0: expected >= 1" },
        { "experiment redundancy --scale huge", "--scale huge: expected one of small, tiny" },
        { "experiment baselines --steps 10 --tokens 1000", "--steps 10 and --tokens 1000: give one budget, not both" },
        { "experiment baselines --tokens 0", "--tokens 0: expected >= 1 (a step is 1,024 tokens at the small scale)" },
        { "experiment baselines --seeds 1,x", "--seeds 1,x: 'x' is not a seed; expected comma-separated non-negative integers" },
        { "experiment baselines --seeds 2,2", "--seeds 2,2: seed 2 is given twice; expected distinct seeds" },
    };

    [Theory]
    [MemberData(nameof(BadCommands))]
    public void A_bad_input_is_one_line_naming_the_problem(string command, string expected)
    {
        var tiny = MoePresets.Tiny with { VocabSize = 300 };
        string dense = Folder.File("dense"), moe = Folder.File("moe"), other = Folder.File("other");
        using (var model = new DeepSeekMoe(tiny with { MoeKind = MoeKind.Dense, NRoutedExperts = 0, NSharedExperts = 0, NumExpertsPerTok = 0 }))
            MoeFromScratch.Model.Checkpoint.ModelWeights.Save(model, dense);
        using (var model = new DeepSeekMoe(tiny))
            MoeFromScratch.Model.Checkpoint.ModelWeights.Save(model, moe);
        TokenizerJson.Save(SampleText.Tokenizer, Path.Combine(moe, "tokenizer.json"));   // 400 tokens: not the 300 of --data
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "a.md"), SampleText.All);
        File.WriteAllText(Path.Combine(other, "b.md"), SampleText.Documents[0]);
        string args = command.Replace("{dense}", dense).Replace("{moe}", moe).Replace("{other}", other).Replace("{cache}", Folder.File("cache"));

        var (exit, stdout, stderr) = MoeProcess.Run(args);

        Assert.True(exit == 1, $"moe {args}: exit code {exit}; stdout: {stdout}; stderr: {stderr}");
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"moe {args}: {lines.Length} stderr lines:\n{stderr}");
        Assert.StartsWith("moe: error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
    }
}
