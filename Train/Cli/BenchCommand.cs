// `moe bench train --config NAME|PATH --device D [--batch B] [--seq T] [--steps N] [--warmup W] [--precision P] [--json]`:
// training throughput — tokens/s of full training steps on random tokens (Bench/TrainBench.cs),
// median of N after W (2) warm-up steps, and the fastest step (on a shared machine interference only
// adds time), per-phase medians, peak RSS beside an estimate of what training must hold
// (Bench/PeakMemory.cs), and on the CPU the allocator's counts of tensor bytes (Bench/TensorMemory.cs).
// `--save-config PATH` only writes the resolved config.json (for the PyTorch peer,
// Benchmarks/python/torch_train_bench.py) and exits. Batch and sequence default to
// `moe train`'s, so the number is the one a training run sees. Under `mpiexec -n P` (with
// `--parallel data|expert` as in `moe train`; --batch the global batch) rank 0 also reports every
// rank's tokens/s and its all-to-all, all-reduce and all-gather per step: calls, bytes, ms
// (Bench/RankCommunication.cs, counted in the communicator layer).
// `moe bench gemm --device D [--precision fp32|bf16|fp64] [--sizes 256,512,1024,2048] [--reps N] [--json]`:
// GEMM GFLOPS (Bench/GemmBench.cs), one JSON line per size in the format of Benchmarks/python/torch_gemm.py.
using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using MoeFromScratch.Distributed;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Bench;
using MoeFromScratch.Train.Devices;
using MoeFromScratch.Train.Training;
using MoeFromScratch.Train.Training.Reporting;

namespace MoeFromScratch.Train.Cli;

public static class BenchCommand
{
    public static Command Create() => new("bench", "Measure performance.") { TrainSubcommand(), GemmSubcommand() };

    private static Command GemmSubcommand()
    {
        var device = DeviceSelector.CreateOption();
        var sizes = new Option<string>("--sizes") { Description = "Square sizes n, comma-separated.", DefaultValueFactory = _ => "256,512,1024,2048" };
        var reps = new Option<int>("--reps") { Description = "Timed repetitions per size; 0 = as many as about 100 GFLOP of work takes, 5..200.", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print one JSON line per size instead of a table." };
        var precision = new Option<string>("--precision") { Description = $"The operands' dtype: {Precision.Names} (bf16 accumulates in float32).", DefaultValueFactory = _ => Precision.Fp32.Name };
        var command = new Command("gemm", "GFLOPS of a square matrix multiply (the GEMM training uses) on a device.") { device, precision, sizes, reps, json };
        command.SetAction(parse => RunGemm(parse.GetValue(device)!, Precision.Parse(parse.GetValue(precision)!).Compute, parse.GetValue(sizes)!, parse.GetValue(reps), parse.GetValue(json)));
        return command;
    }

    private static int RunGemm(string deviceName, DType dtype, string sizeList, int reps, bool asJson)
    {
        var sizes = sizeList.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(s => int.TryParse(s, CultureInfo.InvariantCulture, out int n) && n > 0 ? n
                : throw new Tensors.UsageException($"--sizes: '{s}' is not a positive integer (expected e.g. 256,512,1024)"))
            .ToArray();
        if (sizes.Length == 0) throw new Tensors.UsageException("--sizes: no size given (expected e.g. 256,512,1024)");
        if (reps < 0) throw new Tensors.UsageException($"--reps {reps}: expected a positive number (or 0 for the default)");
        using var backend = DeviceSelector.Open(deviceName);
        bool onCpu = backend.Name == "cpu";
        if (!asJson)
        {
            if (onCpu) Console.WriteLine($"cpu: {Tensors.Cpu.Gemm.DescribeBlocking()}");
            Console.WriteLine($"{"device",-10} {"dtype",-9} {"n",6} {"ms",10} {"GFLOPS",9} {"best",9}");
        }
        foreach (int n in sizes)
        {
            // a line only when a size takes over 10 s (a slow device); under --json on stderr, stdout being the result
            var r = GemmBench.Run(backend, n, dtype, reps, total => new PhaseProgress(asJson ? Console.Error : Console.Out, $"bench gemm n {n}:", total, "multiplies", long.MaxValue, TimeSpan.FromSeconds(10)));
            Console.WriteLine(asJson
                ? new JsonObject
                {
                    ["device"] = backend.Name,
                    ["dtype"] = dtype.Name(),
                    ["m"] = n,
                    ["n"] = n,
                    ["k"] = n,
                    ["gflops"] = double.IsFinite(r.Gflops) ? Math.Round(r.Gflops, 1) : null,   // null: too fast to time
                    ["ms"] = Math.Round(r.MedianMs, 3),
                    ["best_gflops"] = double.IsFinite(r.BestGflops) ? Math.Round(r.BestGflops, 1) : null,
                    ["reps"] = r.Reps,
                    ["threads"] = Environment.ProcessorCount,
                    ["blocking"] = onCpu ? Tensors.Cpu.Gemm.DescribeBlocking() : null,
                }.ToJsonString()
                : string.Create(CultureInfo.InvariantCulture, $"{backend.Name,-10} {dtype.Name(),-9} {n,6} {r.MedianMs,10:F3} {Wording.Finite(r.Gflops, "F1"),9} {Wording.Finite(r.BestGflops, "F1"),9}"));
        }
        return 0;
    }

    private static Command TrainSubcommand()
    {
        var defaults = new TrainSettings();
        var config = new Option<string>("--config") { Description = $"A preset ({string.Join(", ", MoePresets.All.Select(p => p.Name))}) or a config.json path.", DefaultValueFactory = _ => TrainCommand.DefaultConfig };
        var device = DeviceSelector.CreateOption();
        var batch = new Option<int>("--batch") { Description = "Sequences per step, B (as in moe train).", DefaultValueFactory = _ => defaults.BatchSize };
        var seq = new Option<int>("--seq") { Description = "Tokens per sequence, T (as in moe train).", DefaultValueFactory = _ => defaults.SequenceLength };
        var steps = new Option<int>("--steps") { Description = "Timed steps, after the warm-up; the median is reported.", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps first.", DefaultValueFactory = _ => 2 };
        var logEvery = new Option<int>("--log-every") { Description = "Steps between reads of the losses (one read-back each), as in moe train.", DefaultValueFactory = _ => (int)defaults.LogEvery };
        var json = new Option<bool>("--json") { Description = "Print one JSON line instead of text." };
        var saveConfig = new Option<string?>("--save-config") { Description = "Only write the resolved config.json to this path (for the PyTorch peer) and exit." };
        var parallel = WorldStart.ParallelOption();
        var precision = new Option<string>("--precision") { Description = $"As in moe train: {Precision.Names}.", DefaultValueFactory = _ => Precision.Fp32.Name };
        var command = new Command("train", "Tokens/s of full training steps (forward, backward, clip, AdamW) on random tokens.")
        {
            config, device, batch, seq, steps, warmup, logEvery, json, saveConfig, parallel, precision,
        };
        command.SetAction(parse => RunTrain(parse.GetValue(config)!, parse.GetValue(device)!, parse.GetValue(saveConfig),
            new TrainBenchSettings(parse.GetValue(batch), parse.GetValue(seq), parse.GetValue(steps), parse.GetValue(warmup), LogEvery: parse.GetValue(logEvery)), parse.GetValue(json), parse.GetValue(parallel)!, parse.GetValue(precision)!));
        return command;
    }

    private static int RunTrain(string configName, string deviceName, string? saveConfig, TrainBenchSettings settings, bool asJson, string parallelName, string precisionName)
    {
        bool expertParallel = WorldStart.ExpertParallel(parallelName);
        var config = MoePresets.Resolve(configName);
        if (saveConfig is not null)
        {
            MoeConfigJson.Save(config, saveConfig);
            Console.WriteLine(saveConfig);
            return 0;
        }
        settings.Validate();
        if (settings.Seq > config.MaxPositionEmbeddings)
            throw new Tensors.UsageException($"--seq {settings.Seq}: longer than the config's max_position_embeddings {config.MaxPositionEmbeddings}");
        var world = WorldStart.Open();
        WorldStart.RequireSplits(world, settings.Batch, config, expertParallel);
        int localBatch = settings.Batch / world.Size;
        using var backend = DeviceSelector.Open(WorldStart.Device(world, deviceName));
        var precision = Precision.Parse(precisionName).On(backend);
        MemoryPlan.ForTraining(config, localBatch, settings.Seq, backend.HasFusedAttention).Check(backend);
        var model = ModelFactory.Create(config, backend, settings.Seed, expertParallel ? world : null, precision);
        using var ownsModel = model as IDisposable;
        string? worldLine = WorldStart.WorldLine(world, backend, WorldStart.Parallelism(world, config, expertParallel));
        long parameters = model.Module.Parameters().Sum(p => p.Numel);   // this rank's (its experts only, under expert parallelism)
        var sharded = model.Module is Model.DeepSeekMoe moe ? moe.ShardedParameters() : null;
        var result = TrainBench.Run(model, settings, parallel: new DataParallel(world, sharded));
        var ranks = world.Size > 1 ? RankCommunication.Gather(world, result) : null;
        World.Close();                                    // the last collective is behind us
        var estimate = MemoryEstimate.For(parameters, ActivationEstimate.Bytes(config, localBatch, settings.Seq, backend.HasFusedAttention));
        long? rss = PeakMemory.PeakRssBytes();

        if (asJson)
        {
            var json = Json(configName, backend.Name, parameters, result, estimate, rss);
            json["precision"] = precision.Name;
            json["weights_and_activations_bytes"] = WeightsAndActivations(precision, estimate, result);
            if (ranks is not null)
            {
                json["ranks"] = ranks.Count;
                json["parallel"] = parallelName;
                json["per_rank"] = new JsonArray(ranks.Select(r => (JsonNode)r.Json()).ToArray());
            }
            Console.WriteLine(json.ToJsonString());
            return 0;
        }
        if (worldLine is not null) Console.WriteLine(worldLine);
        var p = result.MedianPhases;
        Console.WriteLine($"bench train: config {configName} ({parameters:N0} parameters) on {backend.Name}, B {settings.Batch} × T {settings.Seq}, median of {settings.Steps} steps after {settings.Warmup} warm-up (fastest step {result.StepMs.Min():F1} ms)");
        Console.WriteLine($"  {result.TokensPerSecond:F0} tokens/s, {result.MedianStepMs:F1} ms a step (data {p.Data.TotalMilliseconds:F1}, forward {p.Forward.TotalMilliseconds:F1}, backward {p.Backward.TotalMilliseconds:F1}, clip+AdamW {p.Optimizer.TotalMilliseconds:F1} ms); GC pauses {result.GcPauseMs / settings.Steps:F1} ms a step, {result.Gen2Collections} gen2 collections");
        Console.WriteLine($"  peak RSS {Mib(rss)} vs estimate {Mib(estimate.Total)} (params {Mib(estimate.ParameterBytes)}, grads {Mib(estimate.GradientBytes)}, AdamW {Mib(estimate.OptimizerBytes)}, activations {Mib(estimate.ActivationBytes)})" +
            (rss is long r ? $": {(double)r / estimate.Total:F2}×" : ""));
        if (result.Memory is { } m)
            Console.WriteLine($"  CPU tensors (allocator counts): persistent {Mib(m.PersistentBytes)}, tape after forward {Mib(m.TapeBytes)} (estimated {Mib(estimate.ActivationBytes)}), " +
                $"peak live {Mib(m.PeakLiveBytes)}, allocator peak reserved {Mib(m.PeakReservedBytes)}; timed steps: {m.TimedOsAllocations} of {m.TimedAllocations} allocations went to the OS; {m.Allocator.Leaked} leaked; " +
                $"GC heap committed {Mib(GC.GetGCMemoryInfo().TotalCommittedBytes)}");
        if (result.Device is { } d)
        {
            Console.WriteLine($"  {backend.Name} {d.Describe()}");
            Console.WriteLine($"  {d.DescribeKernels()}");
        }
        foreach (var rank in ranks ?? []) Console.WriteLine($"  {rank.Describe()}");
        return 0;
    }

    // The bytes of what the forward reads and keeps: the weights in the dtype it reads them (float32:
    // the parameters themselves; bf16: their casts, which the tape holds) and the activations. The
    // CPU counts the tape after one forward; a device's pool peak, less the float32 parameters,
    // gradients and AdamW moments (the master state, the same in both precisions), is the rest.
    private static long? WeightsAndActivations(Precision precision, MemoryEstimate estimate, TrainBenchResult result)
    {
        long ownWeights = precision.Weights == precision.Compute ? estimate.ParameterBytes : 0;
        if (result.Memory is { } m) return ownWeights + m.TapeBytes;
        if (result.Device?.PoolPeakBytes is long pool) return pool - estimate.ParameterBytes - estimate.GradientBytes - estimate.OptimizerBytes + ownWeights;
        return null;
    }

    public static JsonObject Json(string config, string device, long parameters, TrainBenchResult r, MemoryEstimate estimate, long? rss) => new()
    {
        ["bench"] = "train",
        ["config"] = config,
        ["device"] = device,
        ["parameters"] = parameters,
        ["batch"] = r.Settings.Batch,
        ["seq"] = r.Settings.Seq,
        ["steps"] = r.Settings.Steps,
        ["warmup"] = r.Settings.Warmup,
        ["threads"] = Environment.ProcessorCount,
        ["tokens_per_s"] = Math.Round(r.TokensPerSecond, 1),
        ["median_step_ms"] = Math.Round(r.MedianStepMs, 3),
        ["best_step_ms"] = Math.Round(r.StepMs.Min(), 3),
        ["phase_ms"] = new JsonObject
        {
            ["data"] = Math.Round(r.MedianPhases.Data.TotalMilliseconds, 3),
            ["forward"] = Math.Round(r.MedianPhases.Forward.TotalMilliseconds, 3),
            ["backward"] = Math.Round(r.MedianPhases.Backward.TotalMilliseconds, 3),
            ["optimizer"] = Math.Round(r.MedianPhases.Optimizer.TotalMilliseconds, 3),
        },
        ["gc_pause_ms_per_step"] = Math.Round(r.GcPauseMs / r.Settings.Steps, 3),
        ["gen2_collections"] = r.Gen2Collections,
        ["step_ms"] = new JsonArray(r.StepMs.Select(ms => (JsonNode?)Math.Round(ms, 3)).ToArray()),
        ["peak_rss_bytes"] = rss,
        ["estimate_bytes"] = new JsonObject
        {
            ["params"] = estimate.ParameterBytes,
            ["grads"] = estimate.GradientBytes,
            ["adamw"] = estimate.OptimizerBytes,
            ["activations"] = estimate.ActivationBytes,
            ["total"] = estimate.Total,
        },
        ["rss_over_estimate"] = rss is long b ? Math.Round((double)b / estimate.Total, 3) : null,
        ["gc_committed_bytes"] = GC.GetGCMemoryInfo().TotalCommittedBytes,
        ["cpu_tensor_bytes"] = r.Memory is not { } m ? null : new JsonObject
        {
            ["persistent"] = m.PersistentBytes,
            ["tape"] = m.TapeBytes,
            ["peak_live"] = m.PeakLiveBytes,
            ["peak_reserved"] = m.PeakReservedBytes,
            ["timed_allocations"] = m.TimedAllocations,
            ["timed_os_allocations"] = m.TimedOsAllocations,
            ["leaked"] = m.Allocator.Leaked,
        },
        ["device_per_step"] = r.Device?.Json(),
        ["device_pool_peak_bytes"] = r.Device?.PoolPeakBytes,
    };

    private static string Mib(long? bytes) => bytes is long b ? $"{b / (1024.0 * 1024):F1} MiB" : "n/a";
}
