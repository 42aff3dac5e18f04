// ExpertDispatch: turns "token n uses experts idx[n, 0..K')" into one contiguous block of rows per
// routed expert, so that ONE grouped GEMM runs all experts (dropless: no capacity, no token dropped).
// It is a stable counting sort of the N·K' (token, expert) assignments by expert, done on the host
// from the int32 indices: O(N·K') integers. Reading the indices back is the one sync point of the
// MoE forward; everything else stays on the device.
//   Gather:  xp = u[token of each assignment]                         (N, C) -> (N·K', C)
//   Scatter: y[n] = Σ_{assignments a of n} g_a · yp[a]                 (N·K', C) -> (N, C), eq. 9
// Not here: the experts' math (StackedExperts.cs), the routing decision (Router.cs).
using MoeFromScratch.Autograd;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Moe;

public sealed class ExpertDispatch : IDisposable
{
    private ExpertDispatch(Tensor token, Tensor slot, Tensor offsets, int[] load)
    {
        Token = token;
        Slot = slot;
        Offsets = offsets;
        Load = load;
    }

    /// <summary>(N·K') int32: the token of each assignment, sorted by expert (stable: tokens ascending).</summary>
    public Tensor Token { get; }

    /// <summary>(N·K') int32: n·K' + k, where the assignment's gate sits in the flattened (N, K') gates.</summary>
    public Tensor Slot { get; }

    /// <summary>(E+1) int32: expert e owns rows [Offsets[e], Offsets[e+1]) of the permuted input.</summary>
    public Tensor Offsets { get; }

    /// <summary>(E) assignments per expert: the bincount of the indices.</summary>
    public int[] Load { get; }

    /// <summary>The plan for indices (N, K') int32 over E experts.</summary>
    public static ExpertDispatch Plan(Tensor indices, int experts)
    {
        if (indices.DType != DType.Int32 || indices.Rank != 2)
            throw new ShapeException($"ExpertDispatch: indices must be int32 (N, K), got {indices.DType.Name()} {Shape.Format(indices.Shape)}");
        int K = indices.Shape[1];
        var picked = indices.ToArray<int>();                                 // the sync point: (N·K') ints to the host
        var load = new int[experts];
        foreach (int e in picked)
        {
            if ((uint)e >= (uint)experts) throw new ArgumentException($"ExpertDispatch: expert index {e} is outside 0..{experts - 1}");
            load[e]++;
        }
        var offsets = new int[experts + 1];
        for (int e = 0; e < experts; e++) offsets[e + 1] = offsets[e] + load[e]; // prefix sum
        var next = offsets[..experts];
        var token = new int[picked.Length];
        var slot = new int[picked.Length];
        for (int a = 0; a < picked.Length; a++)                              // stable: assignments in token order
        {
            int at = next[picked[a]]++;
            token[at] = a / K;
            slot[at] = a;
        }
        var backend = indices.Backend;
        return new ExpertDispatch(Tensor.FromArray(token, [token.Length], backend), Tensor.FromArray(slot, [slot.Length], backend),
            Tensor.FromArray(offsets, [offsets.Length], backend), load);
    }

    /// <summary>u (N, C) -> xp (N·K', C): each token's row once per expert it uses, grouped by expert.</summary>
    public Variable Gather(Variable u) => u.IndexSelect(0, Token);

    /// <summary>yp (N·K', C) weighted by gates (N, K') and summed back per token -> (N, C).</summary>
    public Variable Scatter(Variable yp, Variable gates, int tokens)
    {
        var g = gates.Reshape(-1).IndexSelect(0, Slot).Unsqueeze(1);        // (N, K') -> (N·K') -> (N·K', 1), same order as yp
        var zeros = new Variable(Tensor.Zeros([tokens, yp.Shape[1]], yp.DType, yp.Backend));
        return zeros.IndexAdd(0, Token, yp * g);                             // eq. 9: Σ_i g_{i,t} FFN_i(u_t)
    }

    public void Dispose()
    {
        Token.Dispose();
        Slot.Dispose();
        Offsets.Dispose();
    }
}
