// Precision: the dtypes a model is trained and run in, named as `--precision` names them.
//   fp32  weights float32, forward and backward in float32                   (the CPU default)
//   bf16  master weights float32 (AdamW's state too), forward and backward in bfloat16: each step
//         casts the weights to bf16 (Autograd/Nn/ComputePrecision.cs), the gradients come back through
//         that cast as float32 into the master's Grad; the router, the losses and the statistics stay
//         float32 (Model/Moe/Router.cs says why the router does); inference (ForInference)
//         holds the weights themselves in bf16
//   fp64  everything float64 (the CPU only): the exact-enough runs that parity checks compare
// Weights is what the Parameters hold (and AdamW updates); Compute what the layers read and write.
// Not here: which kernels exist per dtype (the backends), the cast itself (Autograd).
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Config;

public sealed record Precision(string Name, DType Weights, DType Compute)
{
    public static readonly Precision Fp32 = new("fp32", DType.Float32, DType.Float32);
    public static readonly Precision Bf16 = new("bf16", DType.Float32, DType.BFloat16);
    public static readonly Precision Fp64 = new("fp64", DType.Float64, DType.Float64);

    public static IReadOnlyList<Precision> All { get; } = [Fp32, Bf16, Fp64];

    /// <summary>What inference holds: the weights themselves in the compute dtype (no float32 masters:
    /// nothing is updated), so a bf16 model takes half the memory.</summary>
    public Precision ForInference => this with { Weights = Compute };

    public static string Names => string.Join(", ", All.Select(p => p.Name));

    /// <summary>fp32, bf16 or fp64; anything else is one usage line naming the option.</summary>
    public static Precision Parse(string name, string option = "--precision") =>
        All.FirstOrDefault(p => p.Name == name)
        ?? throw new UsageException($"{option} {name}: expected one of {Names}");

    /// <summary>This precision if backend stores both its dtypes, else one usage line naming the option and what the device lacks.</summary>
    public Precision On(IBackend backend, string option = "--precision")
    {
        foreach (var dtype in new[] { Weights, Compute })
            if (!backend.Supports(dtype)) throw new UsageException($"{option} {Name}: {backend.Unsupported(dtype)}");
        return this;
    }

    /// <summary>The weights' bytes as the forward reads them (bf16: 2 per weight; what inference holds).</summary>
    public long WeightBytes(MoeConfig config) => ParameterCount.Of(config).Total.Total * Compute.SizeInBytes();

    /// <summary>KV cache bytes per token: a key and a value row (NH_kv·HS) in every layer, in the compute dtype.</summary>
    public long KvCacheBytesPerToken(MoeConfig config) =>
        2L * config.NumHiddenLayers * config.NumKeyValueHeads * config.HeadSize * Compute.SizeInBytes();
}
