// Benchmarks entry point. "gemm" runs the quick Stopwatch GEMM benchmark, which is `moe bench gemm`
// (Train/Bench/GemmBench.cs: the published moe carries it to a GPU machine) with the same options;
// its JSON lines match Benchmarks/python/torch_gemm.py for side-by-side comparison. "moe" and
// "dispatch" are the quick MoE-layer and Vulkan dispatch benchmarks (Quick/); anything else goes
// to BenchmarkDotNet's switcher (Suites/).
using BenchmarkDotNet.Running;
using MoeFromScratch.Benchmarks.Quick;

namespace MoeFromScratch.Benchmarks;

public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "gemm")
        {
            return MoeFromScratch.Train.Cli.CliErrors.Run(() => MoeFromScratch.Train.Cli.BenchCommand.Create().Parse(["gemm", .. args[1..]])
                .Invoke(new System.CommandLine.InvocationConfiguration { EnableDefaultExceptionHandler = false }));
        }
        if (args.Length > 0 && args[0] == "moe")
        {
            return MoeQuick.Run(args.AsSpan(1));
        }
        if (args.Length > 0 && args[0] == "dispatch")
        {
            return DispatchQuick.DispatchOverhead(args.AsSpan(1));
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
