// Matrix products: MatMul (Shaders/matmul.comp, or matmul_skinny.comp when M or N is tiny),
// GroupedMatMul and its weight gradient (grouped_matmul*.comp). All share gemm_tile.glsl; this
// file only chooses the kernel and passes (offset, strides) per operand, so transposed and
// broadcast operands never get copied. Float32 only.
using MoeFromScratch.Gpu.Kernels;
using MoeFromScratch.Gpu.Runtime;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu;

public sealed partial class VulkanBackend
{
    private const uint Tile = 64, TileK = 16, GemmGroupSize = Tile / 4 * (Tile / 4);
    private const int SkinnyLimit = 4;      // M (or N) at most this: matmul_skinny.comp
    private const uint SkinnyColumns = 64;

    /// <summary>The tile's specialization: sizes, and which axis of a and b to load along.</summary>
    private Kernel GemmKernel(string shader, int bindings, long aColumnStride, long bColumnStride) =>
        Kernel(shader, bindings, GemmGroupSize, Tile, Tile, TileK, aColumnStride == 1 ? 1u : 0u, bColumnStride == 1 ? 1u : 0u);

    public void MatMul(Tensor a, Tensor b, Tensor c)
    {
        CheckFloat32("MatMul", a, b, c);
        int batches = c.Shape[0], M = c.Shape[1], N = c.Shape[2], K = a.Shape[2];
        if (c.Numel == 0) return;
        if (K == 0) { Fill(c, 0); return; }
        long[] sa = a.Strides, sb = b.Strides, sc = c.Strides;
        if (M <= SkinnyLimit || N <= SkinnyLimit)
        {
            // cᵀ = bᵀ·aᵀ turns a skinny N into a skinny M: swap the operands and their strides.
            bool transpose = M > SkinnyLimit;
            var push = new PushConstants();
            if (!transpose)
                MatMulPush(push, M, N, K, batches, a, b, c, [sa[0], sa[1], sa[2]], [sb[0], sb[1], sb[2]], [sc[0], sc[1], sc[2]]);
            else
                MatMulPush(push, N, M, K, batches, b, a, c, [sb[0], sb[2], sb[1]], [sa[0], sa[2], sa[1]], [sc[0], sc[2], sc[1]]);
            var (first, second) = transpose ? (b, a) : (a, b);
            Dispatch(Kernel("matmul_skinny", 3, 256), [Read(first), Read(second), Write(c)], push,
                (uint)((transpose ? M : N) + SkinnyColumns - 1) / SkinnyColumns, (uint)(transpose ? N : M), Math.Min((uint)batches, MaxGroups));
            return;
        }
        var tiled = new PushConstants();
        MatMulPush(tiled, M, N, K, batches, a, b, c, [sa[0], sa[1], sa[2]], [sb[0], sb[1], sb[2]], [sc[0], sc[1], sc[2]]);
        Dispatch(GemmKernel("matmul", 3, sa[2], sb[2]), [Read(a), Read(b), Write(c)], tiled,
            ((uint)N + Tile - 1) / Tile, ((uint)M + Tile - 1) / Tile, Math.Min((uint)batches, MaxGroups));
    }

    // The push block of matmul.comp and matmul_skinny.comp.
    private static void MatMulPush(PushConstants push, int M, int N, int K, int batches, Tensor a, Tensor b, Tensor c,
        long[] aStrides, long[] bStrides, long[] cStrides)
    {
        push.U((uint)M).U((uint)N).U((uint)K).U((uint)batches)
            .U(a.Offset).U(b.Offset).U(c.Offset);
        foreach (var s in aStrides) push.U(s);
        foreach (var s in bStrides) push.U(s);
        foreach (var s in cStrides) push.U(s);
    }

    public void GroupedMatMul(Tensor x, Tensor w, Tensor offsets, Tensor y)
    {
        CheckFloat32("GroupedMatMul", x, w, y);
        int N = x.Shape[0], K = x.Shape[1], G = w.Shape[0], M = w.Shape[2];
        if (y.Numel == 0) return;
        using var off = Dense(offsets);
        var push = new PushConstants()
            .U((uint)N).U((uint)K).U((uint)M).U((uint)G)
            .U(x.Offset).U(w.Offset).U(y.Offset).U(off.Offset)
            .U(x.Strides[0]).U(x.Strides[1])
            .U(w.Strides[0]).U(w.Strides[1]).U(w.Strides[2])
            .U(y.Strides[0]).U(y.Strides[1]);
        // Rows outside every group (offsets[G] < N) are not written: zero y first so they read 0.
        Fill(y, 0);
        uint rowTiles = ((uint)N + Tile - 1) / Tile + (uint)G;
        Dispatch(GemmKernel("grouped_matmul", 4, x.Strides[1], w.Strides[2]), [Read(x), Read(w), Write(y), Read(off)], push,
            ((uint)M + Tile - 1) / Tile, rowTiles);
    }

    public void GroupedMatMulWeightGrad(Tensor x, Tensor dy, Tensor offsets, Tensor dw)
    {
        CheckFloat32("GroupedMatMulWeightGrad", x, dy, dw);
        int K = x.Shape[1], M = dy.Shape[1], G = dw.Shape[0];
        if (dw.Numel == 0) return;
        using var off = Dense(offsets);
        var push = new PushConstants()
            .U((uint)K).U((uint)M).U((uint)G).U(off.Offset)
            .U(x.Offset).U(dy.Offset).U(dw.Offset)
            .U(x.Strides[0]).U(x.Strides[1])
            .U(dy.Strides[0]).U(dy.Strides[1])
            .U(dw.Strides[0]).U(dw.Strides[1]).U(dw.Strides[2]);
        // The tile's A is xᵀ: its contiguous axis is x's row axis when x is column-major.
        Dispatch(GemmKernel("grouped_matmul_weight_grad", 4, x.Strides[0], dy.Strides[1]), [Read(x), Read(dy), Write(dw), Read(off)], push,
            ((uint)M + Tile - 1) / Tile, ((uint)K + Tile - 1) / Tile, (uint)G);
    }
}
