// Quick GEMM benchmark: times C = A B on square float32 matrices with a Stopwatch and reports the
// median (and fastest) of several repetitions after warm-up, as a table or as one JSON object per line (the same
// fields torch_gemm.py prints). Not a statistical harness (that is BenchmarkDotNet, Suites/GemmBenchmarks);
// this is for fast, comparable numbers. Arguments are parsed by hand: the set is small and fixed.
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using MoeFromScratch.Tensors.Cpu;

namespace MoeFromScratch.Benchmarks.Quick;

public static unsafe partial class GemmQuick
{
    private const string Usage = "usage: gemm [--sizes 256,512,1024,2048] [--device cpu|vulkan|vulkan:N] [--reps N] [--json]";

    /// <summary>A device under test: prepares square n x n operands, then multiplies them on demand.</summary>
    private interface IGemmDevice : IDisposable
    {
        void Prepare(int n);

        void Multiply();
    }

    public static int Run(ReadOnlySpan<string> args)
    {
        int[] sizes = [256, 512, 1024, 2048];
        string device = "cpu";
        int reps = 0;
        bool json = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--sizes" when i + 1 < args.Length:
                    if (!TryParseSizes(args[++i], out sizes))
                    {
                        return Fail($"--sizes wants positive integers separated by commas, got '{args[i]}'");
                    }
                    break;
                case "--device" when i + 1 < args.Length:
                    device = args[++i];
                    break;
                case "--reps" when i + 1 < args.Length:
                    if (!int.TryParse(args[++i], CultureInfo.InvariantCulture, out reps) || reps < 1)
                    {
                        return Fail($"--reps wants a positive integer, got '{args[i]}'");
                    }
                    break;
                case "--json":
                    json = true;
                    break;
                default:
                    return Fail($"unknown argument '{args[i]}'");
            }
        }

        // One case per device; a new backend (e.g. "vulkan") adds a line here and an IGemmDevice.
        using IGemmDevice? dev = device switch
        {
            "cpu" => new CpuDevice(),
            _ when device.StartsWith("vulkan", StringComparison.Ordinal) => new VulkanDevice(device),
            _ => null,
        };
        if (dev == null)
        {
            return Fail($"unknown device '{device}' (supported: cpu, vulkan, vulkan:N)");
        }

        if (!json)
        {
            Console.WriteLine($"{"device",-8} {"m",6} {"n",6} {"k",6} {"ms",10} {"GFLOPS",9} {"best",9}");
        }
        foreach (int n in sizes)
        {
            dev.Prepare(n);
            (double ms, double bestMs) = Time(dev, n, reps);
            double gflops = 2.0 * n * n * n / (ms * 1e6);
            double bestGflops = 2.0 * n * n * n / (bestMs * 1e6);
            if (json)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{{\"device\":\"{device}\",\"m\":{n},\"n\":{n},\"k\":{n},\"gflops\":{gflops:F1},\"ms\":{ms:F3},\"best_gflops\":{bestGflops:F1},\"threads\":{Environment.ProcessorCount}}}"));
            }
            else
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{device,-8} {n,6} {n,6} {n,6} {ms,10:F3} {gflops,9:F1} {bestGflops,9:F1}"));
            }
        }
        return 0;
    }

    /// <summary>Median and fastest repetition. The median is the headline; on a shared machine the fastest
    /// is the better estimate of what the code can do, since interference only ever adds time.</summary>
    private static (double Median, double Best) Time(IGemmDevice dev, int n, int reps)
    {
        // Enough repetitions for roughly a second of timing per size, at least 5.
        double flops = 2.0 * n * n * n;
        if (reps == 0)
        {
            reps = (int)Math.Clamp(1e11 / flops, 5, 200);
        }
        // Warm up for at least half a second as well: the runtime's background re-JIT of the hot
        // methods (tiered compilation) otherwise shares a core with the timed repetitions.
        long warmStart = Stopwatch.GetTimestamp();
        for (int w = 0; w < Math.Max(2, reps / 5) || Stopwatch.GetElapsedTime(warmStart).TotalSeconds < 0.5; w++)
        {
            dev.Multiply();
        }
        var times = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            long start = Stopwatch.GetTimestamp();
            dev.Multiply();
            times[r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return (times[reps / 2], times[0]);
    }

    private static bool TryParseSizes(string text, out int[] sizes)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        sizes = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], CultureInfo.InvariantCulture, out sizes[i]) || sizes[i] < 1)
            {
                return false;
            }
        }
        return parts.Length > 0;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"gemm: {message}");
        Console.Error.WriteLine(Usage);
        return 2;
    }

    private sealed class CpuDevice : IGemmDevice
    {
        private float* _a, _b, _c;
        private int _n;

        public void Prepare(int n)
        {
            Free();
            _n = n;
            nuint bytes = (nuint)((long)n * n * sizeof(float));
            _a = (float*)NativeMemory.AlignedAlloc(bytes, 64);
            _b = (float*)NativeMemory.AlignedAlloc(bytes, 64);
            _c = (float*)NativeMemory.AlignedAlloc(bytes, 64);
            var rng = new Random(1234);
            for (long i = 0; i < (long)n * n; i++)
            {
                _a[i] = (float)(rng.NextDouble() * 2 - 1);
                _b[i] = (float)(rng.NextDouble() * 2 - 1);
                _c[i] = 0;
            }
        }

        public void Multiply() => Gemm.Multiply(_n, _n, _n, _a, _n, 1, _b, _n, 1, _c, _n, accumulate: false);

        public void Dispose() => Free();

        private void Free()
        {
            NativeMemory.AlignedFree(_a);
            NativeMemory.AlignedFree(_b);
            NativeMemory.AlignedFree(_c);
            _a = _b = _c = null;
        }
    }
}
