// Quick MoE benchmark: forward + backward time of ONE MoeLayer (router, dispatch, grouped-GEMM
// experts, scatter, balance loss) per routed-expert count at fixed K' and expert width, median of
// several repetitions after warm-up, as a table or one JSON object per line. It answers the
// question of the fine-grained design: does doubling the routed experts at fixed active compute
// stay cheap? (Target: at most +15% per doubling.) Not a statistical harness (BenchmarkDotNet is);
// times include the one host sync of the dispatch. Arguments are parsed by hand, like GemmQuick.
using System.Diagnostics;
using System.Globalization;
using MoeFromScratch.Autograd;
using MoeFromScratch.Gpu;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Model.Moe;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Benchmarks.Quick;

public static class MoeQuick
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

        using var vulkan = device.StartsWith("vulkan", StringComparison.Ordinal) ? GemmQuick.OpenVulkan(device) : null;
        if (vulkan is null && device != "cpu") return Fail($"unknown device '{device}' (supported: cpu, vulkan, vulkan:N)");
        IBackend backend = vulkan ?? (IBackend)Device.Cpu;

        if (!json) Console.WriteLine($"{"device",-8} {"tokens",6} {"C",5} {"I",5} {"E",4} {"K",3} {"fwd ms",9} {"bwd ms",9} {"total ms",9} {"best",9} {"vs prev",8}");
        double? previous = null;
        foreach (int e in experts)
        {
            if (active > e) return Fail($"--active {active} exceeds {e} experts");
            var (forward, backward, total, best) = Time(backend, tokens, hidden, width, e, active, shared, reps);
            string ratio = previous is { } p ? (total / p).ToString("F3", CultureInfo.InvariantCulture) : "null";
            Console.WriteLine(json
                ? string.Create(CultureInfo.InvariantCulture, $"{{\"bench\":\"moe\",\"device\":\"{device}\",\"tokens\":{tokens},\"hidden\":{hidden},\"expert_width\":{width},\"experts\":{e},\"active\":{active},\"shared\":{shared},\"forward_ms\":{forward:F2},\"backward_ms\":{backward:F2},\"total_ms\":{total:F2},\"best_total_ms\":{best:F2},\"ratio_vs_previous\":{ratio},\"reps\":{reps},\"threads\":{Environment.ProcessorCount}}}")
                : string.Create(CultureInfo.InvariantCulture, $"{device,-8} {tokens,6} {hidden,5} {width,5} {e,4} {active,3} {forward,9:F2} {backward,9:F2} {total,9:F2} {best,9:F2} {ratio,8}"));
            previous = total;
        }
        return 0;
    }

    // Medians of forward, backward and their sum over reps (after 2 warm-ups), and the fastest sum.
    private static (double Forward, double Backward, double Total, double Best) Time(IBackend backend, int tokens, int hidden, int width, int experts, int active, int shared, int reps)
    {
        var config = new MoeConfig
        {
            HiddenSize = hidden, MoeIntermediateSize = width, NRoutedExperts = experts, NumExpertsPerTok = active,
            NSharedExperts = shared, AuxLossAlpha = 0.001, SeqAux = true,
        };
        var layer = new MoeLayer(config, 0, 0.006 * 50, 1, backend, DType.Float32); // wider init: routing spreads over experts
        using var x = Tensor.RandN([1, tokens, hidden], 2, 0, 1, DType.Float32, backend);
        using var ids = Tensor.FromArray(Enumerable.Range(0, tokens).ToArray(), [1, tokens], backend);
        using var seed = Tensor.Full([1, tokens, hidden], 1e-3, DType.Float32, backend);
        var f = new double[reps];
        var b = new double[reps];
        for (int r = -2; r < reps; r++)
        {
            using var scope = new TensorScope();
            layer.ZeroGrad();
            backend.Synchronize();
            long start = Stopwatch.GetTimestamp();
            var output = layer.Forward(new Variable(x, requiresGrad: true), ids, training: true);
            backend.Synchronize();
            long mid = Stopwatch.GetTimestamp();
            ((output.Y * new Variable(seed)).Sum() + output.AuxLoss).Backward();
            backend.Synchronize();
            if (r < 0) continue;
            f[r] = Stopwatch.GetElapsedTime(start, mid).TotalMilliseconds;
            b[r] = Stopwatch.GetElapsedTime(mid).TotalMilliseconds;
        }
        var total = f.Zip(b, (p, q) => p + q).Order().ToArray();
        return (Median(f), Median(b), total[reps / 2], total[0]);
    }

    private static double Median(double[] values) => values.Order().ElementAt(values.Length / 2);

    private static bool Positive(string text, out int value) => int.TryParse(text, CultureInfo.InvariantCulture, out value) && value > 0;

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"moe: {message}\n{Usage}");
        return 2;
    }
}
