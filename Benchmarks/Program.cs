// Benchmarks entry point. The measuring code lives in one home, Train/Bench (so the published `moe`
// carries it to a GPU machine); this project adds only BenchmarkDotNet's suites (Suites/) and the
// PyTorch peers (python/). "gemm" is `moe bench gemm` (Train/Bench/GemmBench.cs) with the same
// options; its JSON lines match Benchmarks/python/torch_gemm.py for side-by-side comparison. "moe"
// and "dispatch" are the quick MoE-layer and Vulkan dispatch benchmarks (Train/Bench/MoeLayerBench.cs,
// DispatchBench.cs); anything else goes to BenchmarkDotNet's switcher.
using BenchmarkDotNet.Running;
using MoeFromScratch.Train.Bench;

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
            return MoeLayerBench.Run(args.AsSpan(1));
        }
        if (args.Length > 0 && args[0] == "dispatch")
        {
            return DispatchBench.DispatchOverhead(args.AsSpan(1));
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
