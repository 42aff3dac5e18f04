// Matrix products on Variables.
//   y = a @ b            da = dy @ bᵀ,  db = aᵀ @ dy   (summed over broadcast batch axes)
//   y = x @ wᵀ           dx = dy @ w,   dw = dyᵀ @ x   (Linear's product: w (N, P) is the input itself)
//   y = x @ w[group]     dx = GroupedMatMul(dy, wᵀ),   dw = GroupedMatMulWeightGrad(x, dy)
// Transposes are strided views, so no backward copies a matrix.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Autograd;

public partial class Variable
{
    /// <summary>(..., M, P) @ (..., P, N) -> (..., M, N), batch axes broadcast (GEMM letters: IBackend).</summary>
    public Variable MatMul(Variable b) => Tape.Record("MatMul", Data.MatMul(b.Data), [this, b],
        (dy, n) => Broadcasting.SumTo(dy.MatMul(n.X[1].MT), n.X[0].Shape),
        (dy, n) => b.Rank == 2
            ? WeightGrad(n.X[0].Reshape(-1, n.X[0].Shape[^1]).MT, dy.Reshape(-1, dy.Shape[^1]), n.Destination(1)) // (P, B·M) @ (B·M, N): one GEMM
            : Broadcasting.SumTo(n.X[0].MT.MatMul(dy), n.X[1].Shape));

    /// <summary>
    /// x (..., P) @ wᵀ for w (N, P) -> (..., N): Linear's product. The same as x.MatMul(w.MT), but with
    /// w itself as the node's input, so the engine can offer w's Grad and dw = dyᵀ @ x is written there.
    /// </summary>
    public Variable MatMulTransposed(Variable w)
    {
        if (w.Rank != 2) throw new ShapeException($"MatMulTransposed: w must be (N, P), got {Tensors.Shape.Format(w.Shape)}");
        using var wT = w.Data.MT;                                                  // (P, N) view
        return Tape.Record("MatMulT", Data.MatMul(wT), [this, w],
            (dy, n) => dy.MatMul(n.X[1]),                                          // (..., N) @ (N, P) -> (..., P)
            (dy, n) => WeightGrad(dy.Reshape(-1, dy.Shape[^1]).MT, n.X[0].Reshape(-1, n.X[0].Shape[^1]), n.Destination(1))); // (N, B·T) @ (B·T, P)
    }

    // xᵀ @ dy, into the weight's Grad when the engine offers it (its first gradient: no temporary, no copy).
    private static Tensor WeightGrad(Tensor xT, Tensor dy, Tensor? into)
    {
        if (into is null) return xT.MatMul(dy);
        xT.MatMulInto(dy, into);
        return into;
    }

    /// <summary>The last two axes swapped (a view).</summary>
    public Variable MT => Transpose(-2, -1);

    /// <summary>
    /// MoE grouped GEMM: x (M, P) rows sorted by group, w (G, P, N), offsets int32 (G+1) -> (M, N).
    /// The offsets are routing decisions, not differentiable.
    /// </summary>
    public static Variable GroupedMatMul(Variable x, Variable w, Tensor offsets) =>
        Tape.Record("GroupedMatMul", Tensor.GroupedMatMul(x.Data, w.Data, offsets), [x, w], saved: [offsets.Alias()],
            (dy, n) => Tensor.GroupedMatMul(dy, n.X[1].Transpose(1, 2), n.Saved[0]),  // (M, N) @ (G, N, P) -> (M, P)
            (dy, n) => Tensor.GroupedMatMulWeightGrad(n.X[0], dy, n.Saved[0], n.Destination(1)));   // (G, P, N), into Grad when offered
}
