// `moe plot --run DIR [--last N]`: (re)draws a run folder's loss.png and expert_load.png from its
// metrics.jsonl — while it trains (the file is flushed every step) or after. `moe train` draws the
// same plots when it ends; this command is for runs in progress and for older runs.
using System.CommandLine;
using MoeFromScratch.Train.Plots;

namespace MoeFromScratch.Train.Cli;

public static class PlotCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "The run folder (it holds metrics.jsonl).", Required = true };
        var last = new Option<int>("--last")
        {
            Description = "Steps the expert-load heatmap sums over, counted back from the last.",
            DefaultValueFactory = _ => ExpertLoadPlot.DefaultLastSteps,
        };
        var command = new Command("plot", "Draw loss.png and expert_load.png of a run folder from its metrics.jsonl.") { run, last };
        command.SetAction(parse =>
        {
            int lastSteps = parse.GetValue(last);
            if (lastSteps < 1) throw new Tensors.UsageException($"--last {lastSteps}: expected >= 1");
            foreach (var path in RunPlots.WriteAll(parse.GetValue(run)!, lastSteps)) Console.WriteLine(path);
            return 0;
        });
        return command;
    }
}
