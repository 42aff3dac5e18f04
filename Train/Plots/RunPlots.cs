// RunPlots: the PNG plots of one run folder, drawn from its metrics.jsonl and written atomically
// beside it (loss.png, expert_load.png), so a viewer never sees half a file. `moe plot` and the end of
// `moe train` both call WriteAll. Headless: SkiaSharp's NoDependencies native library renders
// without fontconfig or a display.
using MoeFromScratch.Model;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Training;
using ScottPlot;

namespace MoeFromScratch.Train.Plots;

public static class RunPlots
{
    public const int Width = 1000, Height = 600;
    public const string LossFile = "loss.png", ExpertLoadFile = "expert_load.png";

    /// <summary>Writes the plots of the run in runFolder; returns the paths written.</summary>
    public static IReadOnlyList<string> WriteAll(string runFolder, int lastSteps = ExpertLoadPlot.DefaultLastSteps)
    {
        if (!Directory.Exists(runFolder)) throw new DataException($"{runFolder}: no such run folder");
        var run = MetricsFile.Read(Path.Combine(runFolder, MetricsLog.FileName));
        if (run.Train.Count == 0) throw new DataException($"{run.Path}: no training steps to plot");
        var written = new List<string> { Save(LossPlot.Draw(run), Path.Combine(runFolder, LossFile)) };
        if (ExpertLoadPlot.Draw(run, lastSteps) is { } load) written.Add(Save(load, Path.Combine(runFolder, ExpertLoadFile)));
        return written;
    }

    /// <summary>For the end of `moe train`: plots are a convenience, so a failure is a one-line warning, not a failed run.</summary>
    public static void TryWriteAll(string runFolder)
    {
        try
        {
            Console.WriteLine($"plots: {string.Join(", ", WriteAll(runFolder))}");
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or TypeInitializationException or DllNotFoundException)
        {
            Console.Error.WriteLine($"moe: warning: no plots written: {e.Message}");
        }
    }

    /// <summary>Writes the plot as a PNG (Width × Height) atomically; returns the path.</summary>
    public static string Save(Plot plot, string path)
    {
        byte[] png = plot.GetImageBytes(Width, Height, ImageFormat.Png);
        AtomicFile.Write(path, stream => stream.Write(png));
        return path;
    }
}
