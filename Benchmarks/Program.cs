// Benchmarks entry point. "gemm" as the first argument runs the quick Stopwatch GEMM benchmark
// (Quick/GemmQuick.cs), whose JSON lines match Benchmarks/python/torch_gemm.py for side-by-side
// comparison; anything else goes to BenchmarkDotNet's switcher (Suites/).
using BenchmarkDotNet.Running;
using MoeFromScratch.Benchmarks.Quick;

namespace MoeFromScratch.Benchmarks;

public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "gemm")
        {
            return GemmQuick.Run(args.AsSpan(1));
        }
        if (args.Length > 0 && args[0] == "moe")
        {
            return MoeQuick.Run(args.AsSpan(1));
        }
        if (args.Length > 0 && args[0] == "dispatch")
        {
            return GemmQuick.DispatchOverhead(args.AsSpan(1));
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
