// MoE grouped GEMMs: GroupedMatMul and its weight gradient (Shaders/grouped_matmul*.comp), on the
// same gemm_tile.glsl tile as MatMul (GemmKernel, Tile: VulkanBackend.MatMul.cs). Rows are sorted by
// group; offsets cut them into groups, read on the device. Float32, or bf16 throughout (the bf16
// variants, as MatMul's); a float32/bf16 mix is widened.
using MoeFromScratch.Gpu.Kernels;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu;

public sealed partial class VulkanBackend
{
    public void GroupedMatMul(Tensor x, Tensor w, Tensor offsets, Tensor y)
    {
        if (MixesBf16(x, w, y)) { Bf16Widening.Run("rrrw", [x, w, offsets, y], this, static (t, s) => s.GroupedMatMul(t[0], t[1], t[2], t[3])); return; }
        if (y.DType != DType.BFloat16) CheckFloat32("GroupedMatMul", x, w, y);
        int M = x.Shape[0], P = x.Shape[1], G = w.Shape[0], N = w.Shape[2];
        if (y.Numel == 0) return;
        using var off = Dense(offsets);
        var push = new PushConstants()
            .U((uint)M).U((uint)P).U((uint)N).U((uint)G)
            .U(x.Offset).U(w.Offset).U(y.Offset).U(off.Offset)
            .U(x.Strides[0]).U(x.Strides[1])
            .U(w.Strides[0]).U(w.Strides[1]).U(w.Strides[2])
            .U(y.Strides[0]).U(y.Strides[1]);
        // offsets rise from 0 to M (IBackend's contract, which the reference checks), so the groups'
        // tiles write every row of y: no fill first.
        uint rowTiles = ((uint)M + Tile - 1) / Tile + (uint)G;
        Dispatch(GemmKernel(Variant("grouped_matmul", y), 4, x.Strides[1], w.Strides[2]), [Read(x), Read(w), Write(y), Read(off)], push,
            ((uint)N + Tile - 1) / Tile, rowTiles, label: "grouped_matmul");
    }

    public void GroupedMatMulWeightGrad(Tensor x, Tensor dy, Tensor offsets, Tensor dw)
    {
        if (MixesBf16(x, dy, dw)) { Bf16Widening.Run("rrrw", [x, dy, offsets, dw], this, static (t, s) => s.GroupedMatMulWeightGrad(t[0], t[1], t[2], t[3])); return; }
        if (dw.DType != DType.BFloat16) CheckFloat32("GroupedMatMulWeightGrad", x, dy, dw);
        int P = x.Shape[1], N = dy.Shape[1], G = dw.Shape[0];
        if (dw.Numel == 0) return;
        using var off = Dense(offsets);
        var push = new PushConstants()
            .U((uint)P).U((uint)N).U((uint)G).U(off.Offset)
            .U(x.Offset).U(dy.Offset).U(dw.Offset)
            .U(x.Strides[0]).U(x.Strides[1])
            .U(dy.Strides[0]).U(dy.Strides[1])
            .U(dw.Strides[0]).U(dw.Strides[1]).U(dw.Strides[2]);
        // The tile's A is xᵀ: its contiguous axis is x's row axis when x is column-major.
        Dispatch(GemmKernel(Variant("grouped_matmul_weight_grad", dw), 4, x.Strides[0], dy.Strides[1]), [Read(x), Read(dy), Write(dw), Read(off)], push,
            ((uint)N + Tile - 1) / Tile, ((uint)P + Tile - 1) / Tile, (uint)G, label: "grouped_matmul_weight_grad");
    }
}
