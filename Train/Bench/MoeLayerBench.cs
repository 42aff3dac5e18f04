// MoeLayerBench (`Benchmarks moe`): forward + backward time of ONE MoeLayer (router, dispatch, grouped-GEMM
// experts, scatter, balance loss) per routed-expert count at fixed K' and expert width, median of
// several repetitions after warm-up, as a table or one JSON object per line. It answers the
// question of the fine-grained design: does doubling the routed experts at fixed active compute
// stay cheap? (Target: at most +15% per doubling.) "vs prev" is the median, over repetitions, of
// the ratio to the previous expert count timed just before it, so slow swings of a shared
// machine's load cancel. Also printed: the process CPU time of a repetition (it counts spinning
// workers too), the mean GC pause within one (tensor arrays are GC memory), and, measured on its
// own, the part of the backward that follows the total rather than the activated parameters
// ("param ms": the (E, C, I) weight gradients written and accumulated; see MeasureParameterWork).
// Not a statistical harness (BenchmarkDotNet is); times include the one host sync of the
// dispatch. Arguments are parsed by hand, like DispatchBench.
using System.Diagnostics;
using System.Globalization;
using MoeFromScratch.Autograd;
using MoeFromScratch.Gpu;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Model.Moe;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Bench;

public static class MoeLayerBench
{
    private const string Usage = "usage: moe [--device cpu|vulkan|vulkan:N] [--tokens 2048] [--hidden 256] [--expert-width 128] "
        + "[--experts 16,32,64] [--active 4] [--shared 0] [--reps 7] [--json]";

    public static int Run(ReadOnlySpan<string> args)
    {
        string device = "cpu";
        int tokens = 2048, hidden = 256, width = 128, active = 4, shared = 0, reps = 7;
        int[] experts = [16, 32, 64];
        bool json = false;
        for (int i = 0; i < args.Length; i++)
        {
            bool ok = true;
            switch (args[i])
            {
                case "--device" when i + 1 < args.Length: device = args[++i]; break;
                case "--tokens" when i + 1 < args.Length: ok = Positive(args[++i], out tokens); break;
                case "--hidden" when i + 1 < args.Length: ok = Positive(args[++i], out hidden); break;
                case "--expert-width" when i + 1 < args.Length: ok = Positive(args[++i], out width); break;
                case "--active" when i + 1 < args.Length: ok = Positive(args[++i], out active); break;
                case "--shared" when i + 1 < args.Length: ok = int.TryParse(args[++i], CultureInfo.InvariantCulture, out shared) && shared >= 0; break;
                case "--reps" when i + 1 < args.Length: ok = Positive(args[++i], out reps); break;
                case "--experts" when i + 1 < args.Length:
                    var parts = args[++i].Split(',');
                    experts = new int[parts.Length];
                    for (int p = 0; p < parts.Length && ok; p++) ok = Positive(parts[p], out experts[p]);
                    break;
                case "--json": json = true; break;
                default: return Fail($"unknown argument '{args[i]}'");
            }
            if (!ok) return Fail($"'{args[i - 1]}' wants a positive integer (list), got '{args[i]}'");
        }

        using var vulkan = device.StartsWith("vulkan", StringComparison.Ordinal) ? DispatchBench.OpenVulkan(device) : null;
        if (vulkan is null && device != "cpu") return Fail($"unknown device '{device}' (supported: cpu, vulkan, vulkan:N)");
        IBackend backend = vulkan ?? (IBackend)Device.Cpu;

        if (!json) Console.WriteLine($"{"device",-8} {"tokens",6} {"C",5} {"I",5} {"E",4} {"K",3} {"fwd ms",9} {"bwd ms",9} {"total ms",9} {"best",9} {"cpu ms",9} {"gc ms",7} {"param ms",9} {"vs prev",8}");
        if (experts.Any(e => active > e)) return Fail($"--active {active} exceeds the smallest expert count");
        var cases = experts.Select(e => new Case(backend, tokens, hidden, width, e, active, shared, reps)).ToArray();
        // Round-robin: every repetition times each expert count once, so load from other processes on
        // a shared machine falls on all of them alike instead of on whichever ran during a busy spell.
        for (int r = -2; r < reps; r++)
            foreach (var c in cases) c.Measure(r);
        Case? previous = null;
        foreach (var c in cases)
        {
            var (forward, backward, total, best, cpu, gc, parameterWork) = c.Summary();
            string ratio = previous is null ? "null" : c.RatioTo(previous).ToString("F3", CultureInfo.InvariantCulture);
            Console.WriteLine(json
                ? string.Create(CultureInfo.InvariantCulture, $"{{\"bench\":\"moe\",\"device\":\"{device}\",\"tokens\":{tokens},\"hidden\":{hidden},\"expert_width\":{width},\"experts\":{c.Experts},\"active\":{active},\"shared\":{shared},\"forward_ms\":{forward:F2},\"backward_ms\":{backward:F2},\"total_ms\":{total:F2},\"best_total_ms\":{best:F2},\"cpu_ms\":{cpu:F2},\"gc_pause_ms\":{gc:F2},\"parameter_work_ms\":{parameterWork:F2},\"ratio_vs_previous\":{ratio},\"reps\":{reps},\"threads\":{Environment.ProcessorCount}}}")
                : string.Create(CultureInfo.InvariantCulture, $"{device,-8} {tokens,6} {hidden,5} {width,5} {c.Experts,4} {active,3} {forward,9:F2} {backward,9:F2} {total,9:F2} {best,9:F2} {cpu,9:F2} {gc,7:F2} {parameterWork,9:F2} {ratio,8}"));
            previous = c;
        }
        foreach (var c in cases) c.Dispose();
        return 0;
    }

    /// <summary>One expert count: its layer and inputs, and the times of each repetition (negative r: warm-up).</summary>
    private sealed class Case : IDisposable
    {
        private readonly IBackend _backend;
        private readonly MoeLayer _layer;
        private readonly Tensor _x, _ids, _seed, _oneToken, _firstExpertOnly;
        private readonly double[] _forward, _backward, _cpu, _gc, _parameterWork;

        public Case(IBackend backend, int tokens, int hidden, int width, int experts, int active, int shared, int reps)
        {
            // MoeConfig's defaults (the 16B's) for everything a lone MoE layer does not take from here.
            var config = new MoeConfig { HiddenSize = hidden, MoeIntermediateSize = width, NRoutedExperts = experts, NumExpertsPerTok = active, NSharedExperts = shared };
            _backend = backend;
            _layer = new MoeLayer(config, 0, 0.3, 1, backend, DType.Float32); // init wider than 0.006 so routing spreads over the experts
            _x = Tensor.RandN([1, tokens, hidden], 2, 0, 1, DType.Float32, backend);
            _ids = Tensor.FromArray(Enumerable.Range(0, tokens).ToArray(), [1, tokens], backend);
            _seed = Tensor.Full([1, tokens, hidden], 1e-3, DType.Float32, backend);
            _oneToken = Tensor.Full([1, hidden], 1e-3, DType.Float32, backend);
            _firstExpertOnly = Tensor.FromArray([0, .. Enumerable.Repeat(1, experts)], [experts + 1], backend);
            _forward = new double[reps];
            _backward = new double[reps];
            _cpu = new double[reps];
            _gc = new double[reps];
            _parameterWork = new double[reps];
            Experts = experts;
        }

        public int Experts { get; }

        public void Measure(int r)
        {
            using var scope = new TensorScope();
            _layer.ZeroGrad();
            _backend.Synchronize();
            var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
            var gcStart = GC.GetTotalPauseDuration();
            long start = Stopwatch.GetTimestamp();
            var output = _layer.Forward(new Variable(_x, requiresGrad: true), _ids, training: true);
            _backend.Synchronize();
            long mid = Stopwatch.GetTimestamp();
            ((output.Y * new Variable(_seed)).Sum() + output.AuxLoss).Backward();
            _backend.Synchronize();
            if (r < 0) return;
            _forward[r] = Stopwatch.GetElapsedTime(start, mid).TotalMilliseconds;
            _backward[r] = Stopwatch.GetElapsedTime(mid).TotalMilliseconds;
            _cpu[r] = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalMilliseconds;
            _gc[r] = (GC.GetTotalPauseDuration() - gcStart).TotalMilliseconds;
            _parameterWork[r] = MeasureParameterWork();
        }

        // The part of the backward that follows the TOTAL parameters, alone: one token routed to
        // expert 0 through the three stacked weights, so the GEMMs are trivial, but each weight
        // gradient is still a whole (E, C, I) tensor that the kernel writes (zeros for idle experts)
        // and the tape adds into Grad — as in the layer's backward, at any number of tokens.
        private double MeasureParameterWork()
        {
            using var scope = new TensorScope();
            _layer.ZeroGrad();
            _backend.Synchronize();
            long start = Stopwatch.GetTimestamp();
            var x = new Variable(_oneToken);                                                        // (1, C)
            var h = Variable.GroupedMatMul(x, _layer.ExpertsGateProj, _firstExpertOnly)             // (1, I)
                + Variable.GroupedMatMul(x, _layer.ExpertsUpProj, _firstExpertOnly);
            Variable.GroupedMatMul(h, _layer.ExpertsDownProj, _firstExpertOnly).Sum().Backward();  // (1, C) -> scalar
            _backend.Synchronize();
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        /// <summary>
        /// The median over repetitions of this count's forward+backward time over other's in the same
        /// repetition: the two ran back to back, so slow swings of the machine's load cancel.
        /// </summary>
        public double RatioTo(Case other) =>
            Median(_forward.Select((f, r) => (f + _backward[r]) / (other._forward[r] + other._backward[r])).ToArray());

        /// <summary>Medians of forward, backward and their sum, the fastest sum, the process CPU time and the parameter-sized work; the mean GC pause (collections are rare, so a median would hide them).</summary>
        public (double Forward, double Backward, double Total, double Best, double Cpu, double Gc, double ParameterWork) Summary()
        {
            var total = _forward.Zip(_backward, (f, b) => f + b).Order().ToArray();
            return (Median(_forward), Median(_backward), total[total.Length / 2], total[0], Median(_cpu), _gc.Average(), Median(_parameterWork));
        }

        public void Dispose()
        {
            _x.Dispose();
            _ids.Dispose();
            _seed.Dispose();
            _oneToken.Dispose();
            _firstExpertOnly.Dispose();
            foreach (var p in _layer.Parameters()) p.Dispose();
        }
    }

    private static double Median(double[] values) => values.Order().ElementAt(values.Length / 2);

    private static bool Positive(string text, out int value) => int.TryParse(text, CultureInfo.InvariantCulture, out value) && value > 0;

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"moe: {message}\n{Usage}");
        return 2;
    }
}
