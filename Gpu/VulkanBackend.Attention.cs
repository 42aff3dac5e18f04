// Fused causal attention on Vulkan (Shaders/attention_forward.comp, attention_backward_dq.comp,
// attention_backward_dkv.comp; their shared layout is attention.glsl). q, k and v are bound as they
// are and read through their strides (push constants), so neither the projections' (B, T, NH, HS)
// layout nor a KV cache's prefix is copied; dO, the saved output and lse are made dense if they are
// not. The backward runs two dispatches (dq and D by query tiles, then dk and dv by key tiles), each
// output with one writer, like the CPU kernel. Head sizes above MAX_HS (128, attention.glsl) are
// refused: each invocation holds whole head rows in registers. bf16 tensors run the shaders' bf16
// variants (bf16 words staged into the float32 tiles; lse and D float32); a mix is widened.
using MoeFromScratch.Gpu.Kernels;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu;

public sealed partial class VulkanBackend
{
    /// <summary>attention.glsl's MAX_HS: the largest head size the shaders take.</summary>
    private const int MaxAttentionHeadSize = 128;

    /// <summary>Query rows (forward, dq) or keys (dk, dv) per workgroup: one invocation each.</summary>
    private const uint AttentionRowsPerGroup = 64;

    public bool HasFusedAttention => true;

    public void AttentionForward(Tensor q, Tensor k, Tensor v, Tensor output, Tensor lse)
    {
        if (MixesBf16(q, k, v, output) || lse.DType != DType.Float32) { Bf16Widening.Run("rrrww", [q, k, v, output, lse], this, static (t, s) => s.AttentionForward(t[0], t[1], t[2], t[3], t[4])); return; }
        if (q.DType != DType.BFloat16) CheckFloat32("AttentionForward", q, k, v, output, lse);   // the bf16 variant: all bf16 but lse
        var push = AttentionPush("AttentionForward", q, k, v).U(output.Offset).U(lse.Offset).U(0u).U(0u).U(0u).U(0u);
        Dispatch(Kernel(Variant("attention_forward", q), 5, AttentionRowsPerGroup), [Read(q), Read(k), Read(v), Write(output), Write(lse)], push,
            AttentionGroups(q.Shape[1]), (uint)(q.Shape[0] * q.Shape[2]), label: "attention_forward");
    }

    public void AttentionBackward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor output, Tensor lse, Tensor dq, Tensor dk, Tensor dv)
    {
        if (MixesBf16(dout, q, k, v, output, dq, dk, dv) || lse.DType != DType.Float32) { Bf16Widening.Run("rrrrrrwww", [dout, q, k, v, output, lse, dq, dk, dv], this, static (t, s) => s.AttentionBackward(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8])); return; }
        if (q.DType != DType.BFloat16) CheckFloat32("AttentionBackward", dout, q, k, v, output, lse, dq, dk, dv);
        using var dO = Dense(dout);
        using var o = Dense(output);
        using var rowLse = Dense(lse);
        using var rowD = Tensor.Empty(lse.Shape, DType.Float32, this);   // D = rowsum(dO ∘ O), (B, NH, T): pass 1 writes, pass 2 reads
        uint pairs = (uint)(q.Shape[0] * q.Shape[2]);
        var pushDq = AttentionPush("AttentionBackward", q, k, v).U(o.Offset).U(rowLse.Offset).U(dO.Offset).U(rowD.Offset).U(dq.Offset).U(0u);
        Dispatch(Kernel(Variant("attention_backward_dq", q), 8, AttentionRowsPerGroup),
            [Read(q), Read(k), Read(v), Read(o), Read(rowLse), Read(dO), Write(rowD), Write(dq)], pushDq, AttentionGroups(q.Shape[1]), pairs, label: "attention_backward_dq");
        var pushDkv = AttentionPush("AttentionBackward", q, k, v).U(0u).U(rowLse.Offset).U(dO.Offset).U(rowD.Offset).U(dk.Offset).U(dv.Offset);
        Dispatch(Kernel(Variant("attention_backward_dkv", q), 8, AttentionRowsPerGroup),
            [Read(q), Read(k), Read(v), Read(rowLse), Read(dO), Read(rowD), Write(dk), Write(dv)], pushDkv, AttentionGroups(k.Shape[1]), pairs, label: "attention_backward_dkv");
    }

    private static uint AttentionGroups(int rows) => (uint)((rows + AttentionRowsPerGroup - 1) / AttentionRowsPerGroup);

    /// <summary>attention.glsl's push constants up to the dense tensors' offsets: sizes, then q, k, v as offset and four strides.</summary>
    private static PushConstants AttentionPush(string op, Tensor q, Tensor k, Tensor v)
    {
        int HS = q.Shape[3];
        if (HS > MaxAttentionHeadSize)
            throw new NotSupportedException($"{op}: the Vulkan kernel takes head sizes up to {MaxAttentionHeadSize}, got {HS}");
        var push = new PushConstants().U((uint)q.Shape[0]).U((uint)q.Shape[1]).U((uint)q.Shape[2]).U((uint)HS).U((uint)k.Shape[1]);
        foreach (var x in new[] { q, k, v })
        {
            push.U(x.Offset);
            foreach (long stride in x.Strides) push.U(stride);
        }
        return push;
    }
}
