// ExpertDispatch: turns "token n uses experts idx[n, 0..K')" into one contiguous block of rows per
// routed expert, so that ONE grouped GEMM runs all experts (dropless: no capacity, no token dropped).
// It is a stable counting sort of the N·K' (token, expert) assignments by expert, IBackend.SortByExpert:
// O(N·K') integers, on the host for the CPU and in shaders on Vulkan (a histogram, a prefix sum, a
// scatter of positions), so nothing is read back; the grouped GEMMs read the offsets on the device.
// The counts per expert (Load) stay on the device too: the trainer reads them with the losses, and
// expert parallelism reads them for its exchange (MoeLayer.RoutedOnOwners, the one read-back there).
//   Gather:  xp = u[token of each assignment]                         (N, C) -> (N·K', C)
//   Scatter: y[n] = Σ_k g[n, k] · yp[position of assignment (n, k)]    (N·K', C) -> (N, C), eq. 9
// The sort is a permutation of the assignments, and the plan holds it both ways (Slot: sorted row
// -> assignment n·K' + k; Position: the reverse). So both directions, forward and backward, are
// gathers (SelectRows) plus a sum over the K' choices: O(N·K'·C) on every backend. Scatter-adding
// by token instead (IndexAdd) is what torch does, but without float atomics a deterministic GPU
// scatter-add has to search the whole index for each destination row: O(N·C·N·K').
// K' is the paper's name for what the shape letters call K (docs/architecture.md): active routed
// experts per token. Not here: the experts' math (StackedExperts.cs), the routing decision (Router.cs).
using MoeFromScratch.Autograd;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Moe;

public sealed class ExpertDispatch(Tensor token, Tensor slot, Tensor position, Tensor offsets, Tensor load, int activeExperts) : IDisposable
{
    /// <summary>(N·K') int32, sorted row -> n: the token of each row of the permuted input.</summary>
    public Tensor Token { get; } = token;

    /// <summary>(N·K') int32, sorted row -> n·K' + k: which assignment each row of the permuted input is (stable: tokens ascending within an expert).</summary>
    public Tensor Slot { get; } = slot;

    /// <summary>(N·K') int32, n·K' + k -> sorted row: the inverse of <see cref="Slot"/>.</summary>
    public Tensor Position { get; } = position;

    /// <summary>K' (the letter set's K): routed experts each token uses.</summary>
    public int ActiveExperts { get; } = activeExperts;

    /// <summary>(E+1) int32: expert e owns rows [Offsets[e], Offsets[e+1]) of the permuted input.</summary>
    public Tensor Offsets { get; } = offsets;

    /// <summary>(E) int32 assignments per expert, the bincount of the indices, on the device: Offsets[e+1] − Offsets[e].</summary>
    public Tensor Load { get; } = load;

    /// <summary>The plan for indices (N, K') int32 over E experts.</summary>
    public static ExpertDispatch Plan(Tensor indices, int experts)
    {
        if (indices.DType != DType.Int32 || indices.Rank != 2)
            throw new ShapeException($"ExpertDispatch: indices must be int32 (N, K), got {indices.DType.Name()} {Shape.Format(indices.Shape)}");
        var (offsets, slot, position, token) = indices.SortByExpert(experts);    // (E+1), (N·K') x 3
        using var ends = offsets.Narrow(0, 1, experts);
        using var starts = offsets.Narrow(0, 0, experts);
        return new ExpertDispatch(token, slot, position, offsets, ends.Sub(starts), indices.Shape[1]);
    }

    /// <summary>u (N, C) -> xp (N·K', C): each token's row once per expert it uses, grouped by expert.</summary>
    public Variable Gather(Variable u) => u.SelectRows(Token, Position, ActiveExperts); // token n's K' copies: rows Position[n·K' ..]

    /// <summary>yp (N·K', C) weighted by gates (N, K') and summed back per token -> (N, C).</summary>
    public Variable Scatter(Variable yp, Variable gates, int tokens)
    {
        int C = yp.Shape[1], K = ActiveExperts;
        var perChoice = yp.SelectRows(Position, Slot).Reshape(tokens, K, C); // (N·K', C) -> (N, K', C): back in (n, k) order
        return (perChoice * gates.Unsqueeze(2)).Sum(1);                     // eq. 9: Σ_i g_{i,t} FFN_i(u_t)  -> (N, C)
    }

    public void Dispose()
    {
        Token.Dispose();
        Slot.Dispose();
        Position.Dispose();
        Offsets.Dispose();
        Load.Dispose();
    }
}
