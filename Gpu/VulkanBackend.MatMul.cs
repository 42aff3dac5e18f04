// Batched MatMul (Shaders/matmul.comp, or matmul_skinny.comp when M or N is tiny), and the tile
// constants GroupedMatMul (VulkanBackend.GroupedMatMul.cs) shares. All use gemm_tile.glsl; this
// file only chooses the kernel and passes (offset, strides) per operand, so transposed and
// broadcast operands never get copied. Float32, or bf16 throughout (the shaders' bf16 variants:
// bf16 words in, float32 accumulation, one rounding on store); a float32/bf16 mix is widened.
using MoeFromScratch.Gpu.Kernels;
using MoeFromScratch.Gpu.Runtime;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu;

public sealed partial class VulkanBackend
{
    private const uint Tile = 64, TileP = 16, GemmGroupSize = Tile / 4 * (Tile / 4);
    private const int SkinnyLimit = 4;      // M (or N) at most this: matmul_skinny.comp
    private const uint SkinnyColumns = 64;

    /// <summary>The tile's specialization: sizes, and which axis of a and b to load along.</summary>
    private Kernel GemmKernel(string shader, int bindings, long aColumnStride, long bColumnStride) =>
        Kernel(shader, bindings, GemmGroupSize, Tile, Tile, TileP, aColumnStride == 1 ? 1u : 0u, bColumnStride == 1 ? 1u : 0u);

    public void MatMul(Tensor a, Tensor b, Tensor c)
    {
        if (MixesBf16(a, b, c)) { Bf16Widening.Run("rrw", [a, b, c], this, static (t, s) => s.MatMul(t[0], t[1], t[2])); return; }
        if (c.DType != DType.BFloat16) CheckFloat32("MatMul", a, b, c);
        int batches = c.Shape[0], M = c.Shape[1], N = c.Shape[2], P = a.Shape[2];
        if (c.Numel == 0) return;
        if (P == 0) { Fill(c, 0); return; }
        long[] sa = a.Strides, sb = b.Strides, sc = c.Strides;
        if (M <= SkinnyLimit || N <= SkinnyLimit)
        {
            // cᵀ = bᵀ·aᵀ turns a skinny N into a skinny M: swap the operands and their strides.
            bool transpose = M > SkinnyLimit;
            var push = new PushConstants();
            if (!transpose)
                MatMulPush(push, M, N, P, batches, a, b, c, [sa[0], sa[1], sa[2]], [sb[0], sb[1], sb[2]], [sc[0], sc[1], sc[2]]);
            else
                MatMulPush(push, N, M, P, batches, b, a, c, [sb[0], sb[2], sb[1]], [sa[0], sa[2], sa[1]], [sc[0], sc[2], sc[1]]);
            var (first, second) = transpose ? (b, a) : (a, b);
            Dispatch(Kernel(Variant("matmul_skinny", c), 3, 256), [Read(first), Read(second), Write(c)], push,
                (uint)((transpose ? M : N) + SkinnyColumns - 1) / SkinnyColumns, (uint)(transpose ? N : M), Math.Min((uint)batches, MaxGroups), label: "matmul_skinny");
            return;
        }
        var tiled = new PushConstants();
        MatMulPush(tiled, M, N, P, batches, a, b, c, [sa[0], sa[1], sa[2]], [sb[0], sb[1], sb[2]], [sc[0], sc[1], sc[2]]);
        Dispatch(GemmKernel(Variant("matmul", c), 3, sa[2], sb[2]), [Read(a), Read(b), Write(c)], tiled,
            ((uint)N + Tile - 1) / Tile, ((uint)M + Tile - 1) / Tile, Math.Min((uint)batches, MaxGroups), label: "matmul");
    }

    // The push block of matmul.comp and matmul_skinny.comp.
    private static void MatMulPush(PushConstants push, int M, int N, int P, int batches, Tensor a, Tensor b, Tensor c,
        long[] aStrides, long[] bStrides, long[] cStrides)
    {
        push.U((uint)M).U((uint)N).U((uint)P).U((uint)batches)
            .U(a.Offset).U(b.Offset).U(c.Offset);
        foreach (var s in aStrides) push.U(s);
        foreach (var s in bStrides) push.U(s);
        foreach (var s in cStrides) push.U(s);
    }
}
