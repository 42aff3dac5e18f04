// Matrix products (GEMM letters: IBackend's header). The backend takes rank-3 (B, M, P) @ (B, P, N); this layer flattens batch
// axes (broadcasting them) and folds a shared 2-D right operand into one big GEMM.
namespace MoeFromScratch.Tensors;

public sealed partial class Tensor
{
    /// <summary>(..., M, P) @ (..., P, N) -> (..., M, N), batch axes broadcast; transposes are free (strides).</summary>
    public Tensor MatMul(Tensor b)
    {
        var a = this;
        CheckCompatible("MatMul", a, b);
        if (a.Rank < 2 || b.Rank < 2 || a.Shape[^1] != b.Shape[^2])
            throw new ShapeException($"MatMul: cannot multiply {Tensors.Shape.Format(a.Shape)} by {Tensors.Shape.Format(b.Shape)}");
        int m = a.Shape[^2], p = a.Shape[^1], n = b.Shape[^1];

        if (b.Rank == 2)
        {
            // (..., M, P) @ (P, N): every row of every batch entry meets the same matrix — one GEMM.
            // Rows counted, not inferred: a -1 cannot be inferred when P = 0 (no elements to divide).
            using var a3 = a.Reshape(1, (int)Tensors.Shape.Numel(a.Shape.AsSpan(0, a.Rank - 1)), p);
            using var b3 = b.Unsqueeze(0);
            using var c3 = MatMul3(a3, b3);
            return c3.Reshape([.. a.Shape[..^1], n]);
        }

        var batch = Tensors.Shape.Broadcast("MatMul", a.Shape[..^2], b.Shape[..^2]);
        int batchCount = (int)Tensors.Shape.Numel(batch);
        using var ea = a.Expand([.. batch, m, p]);
        using var eb = b.Expand([.. batch, p, n]);
        using var fa = ea.Reshape(batchCount, m, p);
        using var fb = eb.Reshape(batchCount, p, n);
        using var c = MatMul3(fa, fb);
        return c.Reshape([.. batch, m, n]);
    }

    /// <summary>(M, P) @ (P, N) written into c, a contiguous (M, N) (a gradient's first write: no temporary, no copy).</summary>
    public void MatMulInto(Tensor b, Tensor c)
    {
        CheckCompatible("MatMulInto", this, b);
        CheckCompatible("MatMulInto", this, c);
        if (Rank != 2 || b.Rank != 2 || c.Rank != 2 || Shape[1] != b.Shape[0] || c.Shape[0] != Shape[0] || c.Shape[1] != b.Shape[1] || !c.IsContiguous)
            throw new ShapeException($"MatMulInto: {Tensors.Shape.Format(Shape)} @ {Tensors.Shape.Format(b.Shape)} cannot be written into {Tensors.Shape.Format(c.Shape)}{(c.IsContiguous ? "" : " (not contiguous)")}");
        using var a3 = Unsqueeze(0);
        using var b3 = b.Unsqueeze(0);
        using var c3 = c.Unsqueeze(0);
        Backend.MatMul(a3, b3, c3);
    }

    private static Tensor MatMul3(Tensor a, Tensor b)
    {
        var c = Empty([Math.Max(a.Shape[0], b.Shape[0]), a.Shape[1], b.Shape[2]], a.DType, a.Backend);
        using var ea = a.Expand([c.Shape[0], a.Shape[1], a.Shape[2]]);
        using var eb = b.Expand([c.Shape[0], b.Shape[1], b.Shape[2]]);
        a.Backend.MatMul(ea, eb, c);
        return c;
    }

    /// <summary>MoE grouped GEMM: x (M, P) sorted by group, w (G, P, N), offsets int32 (G+1) -> (M, N).</summary>
    public static Tensor GroupedMatMul(Tensor x, Tensor w, Tensor offsets)
    {
        CheckCompatible("GroupedMatMul", x, w);
        CheckIndex("GroupedMatMul", x, offsets);
        if (x.Rank != 2 || w.Rank != 3 || x.Shape[1] != w.Shape[1] || offsets.Rank != 1 || offsets.Shape[0] != w.Shape[0] + 1)
            throw new ShapeException($"GroupedMatMul: x {Tensors.Shape.Format(x.Shape)}, w {Tensors.Shape.Format(w.Shape)}, offsets {Tensors.Shape.Format(offsets.Shape)} do not fit (M, P), (G, P, N), (G+1)");
        var y = Empty([x.Shape[0], w.Shape[2]], x.DType, x.Backend);
        x.Backend.GroupedMatMul(x, w, offsets, y);
        return y;
    }

    /// <summary>dw[g] = x[rows of g]ᵀ @ dy[rows of g]: (M, P), (M, N) -> (G, P, N).</summary>
    /// <remarks>into: a contiguous (G, P, N) to write instead of a new tensor (a gradient's first write); it is returned.</remarks>
    public static Tensor GroupedMatMulWeightGrad(Tensor x, Tensor dy, Tensor offsets, Tensor? into = null)
    {
        CheckCompatible("GroupedMatMulWeightGrad", x, dy);
        CheckIndex("GroupedMatMulWeightGrad", x, offsets);
        if (x.Rank != 2 || dy.Rank != 2 || x.Shape[0] != dy.Shape[0] || offsets.Rank != 1 || offsets.Shape[0] < 1)
            throw new ShapeException($"GroupedMatMulWeightGrad: x {Tensors.Shape.Format(x.Shape)}, dy {Tensors.Shape.Format(dy.Shape)}, offsets {Tensors.Shape.Format(offsets.Shape)} do not fit (M, P), (M, N), (G+1)");
        int[] shape = [offsets.Shape[0] - 1, x.Shape[1], dy.Shape[1]];
        if (into is not null && (!Tensors.Shape.SameShape(into.Shape, shape) || !into.IsContiguous || into.DType != x.DType || into.Backend != x.Backend))
            throw new ShapeException($"GroupedMatMulWeightGrad: cannot write {Tensors.Shape.Format(shape)} into {Tensors.Shape.Format(into.Shape)} {into.DType.Name()}");
        var dw = into ?? Empty(shape, x.DType, x.Backend);
        x.Backend.GroupedMatMulWeightGrad(x, dy, offsets, dw);
        return dw;
    }
}
