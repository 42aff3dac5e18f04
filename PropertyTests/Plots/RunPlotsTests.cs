// RunPlots and MetricsFile on small synthetic metrics.jsonl files written the way MetricsLog writes
// them: valid PNGs of the promised size come out, and a malformed line is one error naming the file
// and the line. The PNG check reads the signature and the IHDR chunk (width, height) directly.
using System.Buffers.Binary;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Plots;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.PropertyTests.Plots;

public sealed class RunPlotsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("moe-plots-test-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string TrainLine(int step, string loss = "4.5") =>
        $$"""{"kind":"train","step":{{step}},"loss":{{loss}},"lm_loss":4.4,"aux_loss":0.02,"aux_per_layer":[0.01,0.01],"lr":0.001,"grad_norm":1.2,"tokens_per_s":900,"expert_load":[[10,20,30,4],[16,16,16,16]],"skipped":null,"data_ms":1,"forward_ms":2,"backward_ms":3,"optimizer_ms":1}""";

    private string WriteMetrics(IEnumerable<string> lines)
    {
        File.WriteAllText(Path.Combine(_folder, MetricsLog.FileName), string.Concat(lines.Select(l => l + "\n")));
        return _folder;
    }

    [Fact]
    public void Writes_valid_pngs_of_the_expected_size()
    {
        var lines = Enumerable.Range(0, 30).Select(s => TrainLine(s, s == 7 ? "null" : $"{5 - s * 0.05}"))
            .Append("""{"kind":"eval","step":10,"val_loss":4.7}""").Append("""{"kind":"eval","step":30,"val_loss":4.1}""");
        var written = RunPlots.WriteAll(WriteMetrics(lines));

        Assert.Equal([RunPlots.LossFile, RunPlots.ExpertLoadFile], written.Select(Path.GetFileName));
        foreach (var path in written)
        {
            var bytes = File.ReadAllBytes(path);
            Assert.True(bytes.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }), $"{path}: not a PNG signature");
            Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
            Assert.Equal(RunPlots.Width, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
            Assert.Equal(RunPlots.Height, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
        }
        Assert.DoesNotContain(Directory.GetFiles(_folder), f => MoeFromScratch.Model.AtomicFile.IsTemporary(Path.GetFileName(f)));
    }

    [Fact]
    public void The_loss_plots_step_axis_spans_the_recorded_steps_in_whole_steps()
    {
        var lines = Enumerable.Range(1, 7).Select(s => TrainLine(s, $"{5 - s * 0.05}")).Append("""{"kind":"eval","step":5,"val_loss":4.7}""");
        var plot = LossPlot.Draw(MetricsFile.Read(Path.Combine(WriteMetrics(lines), MetricsLog.FileName)));
        plot.GetImage(RunPlots.Width, RunPlots.Height);   // lays the axes out, as saving does
        var x = plot.Axes.GetLimits();
        Assert.Equal((1.0, 7.0), (x.Left, x.Right));   // not from -0.something: there is no step before the first
        var ticks = plot.Axes.Bottom.TickGenerator.Ticks.Where(t => t.IsMajor).Select(t => t.Position).ToList();
        Assert.NotEmpty(ticks);
        Assert.All(ticks, t => Assert.Equal(Math.Round(t), t));
    }

    [Fact]
    public void Expert_share_sums_to_one_per_layer()
    {
        var run = MetricsFile.Read(Path.Combine(WriteMetrics([TrainLine(0), TrainLine(1)]), MetricsLog.FileName));
        var share = ExpertLoadPlot.Share(run.Train);
        Assert.Equal(0.3125, share[0, 1], 12);   // 2·20 / 2·64
        Assert.Equal(0.25, share[1, 3], 12);
    }

    [Fact]
    public void A_malformed_line_is_one_error_naming_file_and_line()
    {
        string folder = WriteMetrics([TrainLine(0), TrainLine(1), """{"kind":"train","step":2,"loss":"oops"}""", TrainLine(3)]);
        var e = Assert.Throws<DataException>(() => RunPlots.WriteAll(folder));
        Assert.StartsWith($"{Path.Combine(folder, MetricsLog.FileName)}:3: ", e.Message);
        Assert.Contains("'loss'", e.Message);
        Assert.DoesNotContain('\n', e.Message);

        WriteMetrics([TrainLine(0), "{not json"]);
        Assert.Contains(":2: ", Assert.Throws<DataException>(() => RunPlots.WriteAll(folder)).Message);
    }

    [Fact]
    public void A_final_line_cut_short_by_a_crash_is_skipped()
    {
        File.WriteAllText(Path.Combine(_folder, MetricsLog.FileName), TrainLine(0) + "\n" + TrainLine(1)[..40]);
        var run = MetricsFile.Read(Path.Combine(_folder, MetricsLog.FileName));
        Assert.Single(run.Train);
    }
}
