// `moe experiment NAME [--seeds 1,2,3] [--steps N | --tokens N] [--device D] [--out DIR] [--plots DIR] [--scale small|tiny] [--data PATH]`:
// reproduces one of the paper's comparisons at small scale (Experiments/ExperimentCatalog.cs):
// baselines, ablation-shared, ablation-granularity, ablation-shared-ratio or redundancy. Trains each
// model once per seed through the ordinary trainer on the same data and budget, then writes
// results.json, results.md (a markdown block for docs/experiments.md, also printed at the end) and
// the plots into --out (default runs/<NAME>-<timestamp>). Progress goes to stdout as training lines.
// Ctrl-C stops at the next step boundary with a checkpoint; the same command again (same --out)
// skips what finished and resumes the stopped model. Exit code 130 when stopped (143 by SIGTERM; Cli/StopSignal).
// Each model must fit the device (MemoryPlan, as `moe train` checks) before the corpus is read or a model is built.
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
        var steps = new Option<long?>("--steps") { Description = "Optimizer steps per model and seed (default: the experiment's budget at the small scale, sized for a three-seed run of about 30 minutes on 2 cores)." };
        var tokens = new Option<long?>("--tokens") { Description = "Training tokens per model and seed, rounded up to whole steps (instead of --steps)." };
        var output = new Option<string?>("--out") { Description = "Folder for the results (default runs/<NAME>-<timestamp>); rerunning with the same folder continues a stopped experiment." };
        var seeds = new Option<string>("--seeds") { Description = "Comma-separated seeds; every model trains once per seed (init and batch order).", DefaultValueFactory = _ => string.Join(',', ExperimentBudget.DefaultSeeds) };
        var scale = new Option<string>("--scale") { Description = "small (minutes a model on 2 cores) or tiny (a seconds-long pipeline check).", DefaultValueFactory = _ => ExperimentScale.Small.Name };
        var data = new Option<string?>("--data") { Description = "A text file or folder to train on (default: the .NET SDK's reference documentation XML)." };
        var plots = new Option<string?>("--plots") { Description = "Also copy the plots into this folder as <NAME>-<plot>.png (e.g. docs/experiments); results.md then embeds them." };
        var cache = new Option<string?>("--cache") { Description = "Cache folder for the tokenizer and token files (default: ~/.cache/moefromscratch)." };
        var command = new Command("experiment", "Reproduce one of the paper's comparisons at small scale: train its models over several seeds, write a table and plots.")
        {
            name, device, steps, tokens, output, seeds, scale, data, plots, cache,
        };
        command.SetAction(parse =>
        {
            string experiment = parse.GetValue(name)!;
            var s = ExperimentScale.Named(parse.GetValue(scale)!);
            ExperimentBudget.Steps(ExperimentCatalog.Get(experiment, s), s, parse.GetValue(steps), parse.GetValue(tokens));   // a bad name or budget fails before any work
            var options = new ExperimentOptions(experiment, s, parse.GetValue(steps), parse.GetValue(tokens), ParseSeeds(parse.GetValue(seeds)!),
                parse.GetValue(output) ?? Path.Combine("runs", $"{experiment}-{DateTime.Now:yyyyMMdd-HHmmss}"),
                parse.GetValue(data), parse.GetValue(cache), parse.GetValue(device)!, "moe " + string.Join(' ', parse.Tokens.Select(t => t.Value)));
            using (var backend = Devices.DeviceSelector.Open(options.Device))   // opened again by the runner (on a GPU, a second of setup)
                RequireEveryModelFits(ExperimentCatalog.Get(experiment, options.Scale), options.Scale, backend);
            return Run(options, parse.GetValue(plots));
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

    /// <summary>"1,2,3" -> [1, 2, 3]; anything else is a one-line usage error naming --seeds.</summary>
    public static IReadOnlyList<ulong> ParseSeeds(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var seeds = new List<ulong>();
        foreach (var part in parts)
        {
            if (!ulong.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong seed))
                throw new Tensors.UsageException($"--seeds {text}: '{part}' is not a seed; expected comma-separated non-negative integers, e.g. 1,2,3");
            if (seeds.Contains(seed)) throw new Tensors.UsageException($"--seeds {text}: seed {seed} is given twice; expected distinct seeds");
            seeds.Add(seed);
        }
        return seeds;
    }

    private static int Run(ExperimentOptions options, string? plots)
    {
        try
        {
            using var stop = new StopSignal("keeping what finished; the same command again continues");
            var result = ExperimentRunner.Run(options, Console.Out, stop.Token);
            if (result is null) return stop.ExitCode;
            var written = Model.UserFiles.Write(plots ?? options.Out, () =>
            {
                if (plots is not null) Directory.CreateDirectory(plots);
                return ExperimentReport.Write(result, options.Out, plots);
            });
            Console.WriteLine($"wrote {string.Join(", ", written)}");
            Console.WriteLine();
            Console.Write(ExperimentReport.Markdown(result));
            return 0;
        }
        catch (Training.TrainingDivergedException e)
        {
            Console.Error.WriteLine($"moe: error: {e.Message}");
            return 1;
        }
    }
}
