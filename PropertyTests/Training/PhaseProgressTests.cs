// Progress of the long phases that are not training (Reporting/PhaseProgress): the pacing (about
// ten lines over the phase by count, one at least every interval by time, never for the last item,
// none for a short phase), train's line format with an ETA, the GEMM benchmark's multiplies, and
// `moe eval` over many sequences through the built `moe`: lines on stdout, on stderr under --json
// (whose stdout stays one JSON object).
using System.Text.Json;
using System.Text.RegularExpressions;
using MoeFromScratch.Model;
using MoeFromScratch.Model.Checkpoint;
using MoeFromScratch.Model.Config;
using MoeFromScratch.PropertyTests.Reliability;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Bench;
using MoeFromScratch.Train.Tokenizer;
using MoeFromScratch.Train.Training.Reporting;

namespace MoeFromScratch.PropertyTests.Training;

public sealed partial class PhaseProgressTests : FuzzFolderTests
{
    private static string[] Lines(StringWriter writer) => writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Theory]
    [InlineData(100, new long[] { 10, 20, 30, 40, 50, 60, 70, 80, 90 })]   // every tenth, not the last (the result follows)
    [InlineData(25, new long[] { 3, 6, 9, 12, 15, 18, 21, 24 })]           // ceil(25 / 10) = 3
    [InlineData(19, new long[0])]                                            // a short phase: quiet
    public void Paced_progress_prints_about_ten_lines_by_count(long total, long[] expected)
    {
        var output = new StringWriter();
        var progress = PhaseProgress.Paced(output, "eval", total, "sequences");
        for (long i = 1; i <= total; i++) progress.Done(i, "7 tok/s");
        var lines = Lines(output);
        Assert.Equal(expected, lines.Select(l => long.Parse(LineFormat().Match(l).Groups[1].Value.Trim())));
        Assert.All(lines, l => Assert.Matches(LineFormat(), l));
    }

    [Fact]
    public void A_slow_phase_prints_by_time_whatever_the_count()
    {
        var output = new StringWriter();
        var progress = new PhaseProgress(output, "bench gemm n 64:", 4, "multiplies", every: long.MaxValue, interval: TimeSpan.Zero);
        for (long i = 1; i <= 4; i++) progress.Done(i);
        Assert.Equal(["bench gemm n 64: 1/4 multiplies", "bench gemm n 64: 2/4 multiplies", "bench gemm n 64: 3/4 multiplies"],
            Lines(output).Select(l => l[..l.IndexOf(" | ETA ", StringComparison.Ordinal)]));
    }

    [Fact]
    public void The_gemm_benchmark_reports_its_multiplies_as_it_goes()
    {
        var output = new StringWriter();
        long? announced = null;
        var result = GemmBench.Run(Device.Cpu, 16, DType.Float32, reps: 5, total =>
        {
            announced = total;
            return new PhaseProgress(output, "bench gemm n 16:", total, "multiplies", every: 1, interval: TimeSpan.FromHours(1));
        });
        Assert.Equal(5, result.Reps);
        Assert.Equal(2 + 5, announced);   // the warm-up's fixed part (at least 2) and the timed repetitions
        var lines = Lines(output);
        Assert.Equal(6, lines.Length);    // all but the last
        Assert.All(lines, l => Assert.Matches(@"^bench gemm n 16: [0-9]/7 multiplies \| [0-9]+ ms a multiply \| ETA [0-9:]{8}$", l));
    }

    [Fact]
    public void Eval_over_many_sequences_prints_progress_as_train_does()
    {
        string model = Folder.File("model"), tokens = Folder.File("tokens.json");
        using (var tiny = new DeepSeekMoe(MoePresets.Tiny))
            ModelWeights.Save(tiny, model);
        using var run = new TinyRun();   // its corpus has enough text for the tiny preset's 512 tokens
        TokenizerJson.Save(BpeTrainer.Train(Directory.GetFiles(run.Corpus).Order().Select(File.ReadAllText), MoePresets.Tiny.VocabSize), Path.Combine(model, "tokenizer.json"));
        var random = new Random(3);
        File.WriteAllText(tokens, JsonSerializer.Serialize(Enumerable.Range(0, 40).Select(_ => Enumerable.Range(0, 8).Select(_ => random.Next(MoePresets.Tiny.VocabSize)).ToArray())));

        var text = MoeProcess.Run($"eval --checkpoint {model} --tokens {tokens} --device cpu");
        Assert.True(text.Code == 0, text.ToString());
        var progress = text.Stdout.Split('\n').Where(l => l.StartsWith("eval ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(9, progress.Length);   // 4, 8, …, 36 of 40
        Assert.All(progress, l => Assert.Matches(@"^eval [ 0-9]{2}/40 sequences \| [0-9,]+ tok/s \| ETA [0-9:]{8}$", l));
        Assert.Contains("40 sequences, 280 predicted tokens; loss", text.Stdout.Split('\n').Last(l => l.Length > 0));

        var json = MoeProcess.Run($"eval --checkpoint {model} --tokens {tokens} --device cpu --json");
        Assert.True(json.Code == 0, json.ToString());
        Assert.Equal(40, JsonDocument.Parse(json.Stdout).RootElement.GetProperty("sequences").GetInt32());   // stdout: the result only
        Assert.Equal(9, json.StderrLines.Count(l => l.StartsWith("eval ", StringComparison.Ordinal)));
    }

    [GeneratedRegex(@"^eval ([ 0-9]+)/[0-9,]+ sequences \| 7 tok/s \| ETA [0-9:]{8}$")]
    private static partial Regex LineFormat();
}
