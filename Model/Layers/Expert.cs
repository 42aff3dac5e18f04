// Expert: the SwiGLU feed-forward network every DeepSeekMoE FFN is made of, without biases:
//   FFN(u) = down(silu(gate(u)) * up(u))          (Shazeer 2020; the FFN_i of eq. 9)
// The same class serves as a routed expert (width moe_intermediate_size), as the K_s shared
// experts fused into one (width K_s · moe_intermediate_size, identical to summing K_s experts),
// and as the dense FFN of non-MoE layers (width intermediate_size). Its parameter names are the
// official ones: gate_proj.weight, up_proj.weight, down_proj.weight, each [out, in].
// Not here: routing, or the grouped GEMM that runs many routed experts at once.
// Weights start N(0, initializer_range) as in the paper (init std 0.006).
using MoeFromScratch.Autograd;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Layers;

public sealed class Expert : Module
{
    public Expert(int hidden, int inner, double initStd, ulong seed, IBackend? backend = null, DType dtype = DType.Float32)
    {
        GateProj = Init.NormalLinear(hidden, inner, initStd, seed, backend, dtype);
        UpProj = Init.NormalLinear(hidden, inner, initStd, seed + 1, backend, dtype);
        DownProj = Init.NormalLinear(inner, hidden, initStd, seed + 2, backend, dtype);
    }

    public Linear GateProj { get; }
    public Linear UpProj { get; }
    public Linear DownProj { get; }

    public Variable Forward(Variable u)                                   // (N, C)
    {
        var h = Functional.SwiGlu(GateProj.Forward(u), UpProj.Forward(u)); // (N, C) -> (N, I)
        return DownProj.Forward(h);                                        // (N, I) -> (N, C)
    }
}
