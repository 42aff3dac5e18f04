// `moe experiment NAME [--device D] [--steps N] [--out DIR] [--seed N] [--scale small|tiny] [--data PATH]`:
// reproduces one of the paper's comparisons at small scale (Experiments/ExperimentCatalog.cs):
// baselines, ablation-shared, ablation-granularity or redundancy. Trains each model through the
// ordinary trainer on the same data, budget and seed, then writes results.json, results.md (a
// markdown block for docs/experiments.md, also printed at the end) and the plots into --out
// (default runs/<NAME>-<timestamp>). Progress goes to stdout as training lines. Each model must fit
// the device (MemoryPlan, as `moe train` checks) before the corpus is read or a model is built.
using System.CommandLine;
using MoeFromScratch.Train.Experiments;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.Train.Cli;

public static class ExperimentCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = $"The experiment: {string.Join(", ", ExperimentCatalog.Names)}." };
        var device = Devices.DeviceSelector.CreateOption();
        var steps = new Option<long?>("--steps") { Description = $"Optimizer steps per model (default {ExperimentScale.Small.Steps} at the small scale; more for a longer, better run)." };
        var output = new Option<string?>("--out") { Description = "Folder for the results (default runs/<NAME>-<timestamp>)." };
        var seed = new Option<ulong>("--seed") { Description = "Seed of every model's init and of the training batches.", DefaultValueFactory = _ => new TrainSettings().Seed };
        var scale = new Option<string>("--scale") { Description = "small (minutes a model on 2 cores) or tiny (a seconds-long pipeline check).", DefaultValueFactory = _ => ExperimentScale.Small.Name };
        var data = new Option<string?>("--data") { Description = "A text file or folder to train on (default: the .NET SDK's reference documentation XML)." };
        var cache = new Option<string?>("--cache") { Description = "Cache folder for the tokenizer and token files (default: ~/.cache/moefromscratch)." };
        var command = new Command("experiment", "Reproduce one of the paper's comparisons at small scale: train its models, write a table and plots.")
        {
            name, device, steps, output, seed, scale, data, cache,
        };
        command.SetAction(parse =>
        {
            string experiment = parse.GetValue(name)!;
            ExperimentCatalog.Get(experiment, ExperimentScale.Small);   // an unknown name fails before any work
            if (parse.GetValue(steps) is < 1) throw new Tensors.UsageException($"--steps {parse.GetValue(steps)}: expected >= 1");
            var options = new ExperimentOptions(experiment, ExperimentScale.Named(parse.GetValue(scale)!), parse.GetValue(steps), parse.GetValue(seed),
                parse.GetValue(output) ?? Path.Combine("runs", $"{experiment}-{DateTime.Now:yyyyMMdd-HHmmss}"),
                parse.GetValue(data), parse.GetValue(cache), parse.GetValue(device)!, "moe " + string.Join(' ', parse.Tokens.Select(t => t.Value)));
            using (var backend = Devices.DeviceSelector.Open(options.Device))   // opened again by the runner (on a GPU, a second of setup)
                RequireEveryModelFits(ExperimentCatalog.Get(experiment, options.Scale), options.Scale, backend);
            return Run(options);
        });
        return command;
    }

    /// <summary>Refuses (UsageException) an experiment one of whose models cannot train on backend at this scale's
    /// B and T. The models train one after another, each alone on the device, so each must fit by itself.</summary>
    public static void RequireEveryModelFits(Experiment experiment, ExperimentScale scale, Tensors.IBackend backend)
    {
        foreach (var model in experiment.Models)
            MemoryPlan.ForTraining(model.Config, scale.BatchSize, scale.SequenceLength, backend.HasFusedAttention, $"the {scale.Name} scale's batch", "sequence",
                shrink: scale == ExperimentScale.Tiny ? "use a device with more memory" : "use --scale tiny or a device with more memory").Check(backend);
    }

    private static int Run(ExperimentOptions options)
    {
        try
        {
            var result = ExperimentRunner.Run(options, Console.Out);
            var written = ExperimentReport.Write(result, options.Out);
            Console.WriteLine($"wrote {string.Join(", ", written)}");
            Console.WriteLine();
            Console.Write(ExperimentReport.Markdown(result));
            return 0;
        }
        catch (TrainingDivergedException e)
        {
            Console.Error.WriteLine($"moe: error: {e.Message}");
            return 1;
        }
    }
}
