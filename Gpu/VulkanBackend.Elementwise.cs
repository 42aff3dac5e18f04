// Elementwise kernels: Unary, Binary, BinaryScalar, Where (Shaders/unary|binary|where.comp), and the Elementwise
// dispatch that Fill and Copy (VulkanBackend.Creation.cs) share. One layout serves all five: the output shape coalesced with every strided operand's strides
// (StridedLayout), pushed as elementwise_push.glsl declares it. One invocation per output element
// in a grid-stride loop; no shared memory.
using MoeFromScratch.Gpu.Kernels;
using MoeFromScratch.Gpu.Runtime;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu;

public sealed partial class VulkanBackend
{
    public void Unary(UnaryOp op, Tensor x, Tensor y)
    {
        CheckOp(op);
        if (MixesBf16(x, y)) { Bf16Widening.Run("rw", [x, y], (this, op), static (t, s) => s.Item1.Unary(s.op, t[0], t[1])); return; }
        Elementwise(Variant("unary", y), [(uint)op, DTypeCode(y)], y, [x], y, [Read(x), Write(y)], label: $"unary.{op}");
    }

    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y)
    {
        CheckBinary(op, y);
        if (MixesBf16(a, b, y)) { Bf16Widening.Run("rrw", [a, b, y], (this, op), static (t, s) => s.Item1.Binary(s.op, t[0], t[1], t[2])); return; }
        Elementwise(Variant("binary", y), [(uint)op, DTypeCode(a)], y, [a, b], y, [Read(a), Read(b), Write(y)], label: $"binary.{op}");
    }

    /// <summary>b rides in the push block's value_bits (binary.comp's SCALAR_B); a is bound in b's slot too, unread.</summary>
    public void BinaryScalar(BinaryOp op, Tensor a, double b, Tensor y)
    {
        CheckBinary(op, y);
        if (MixesBf16(a, y)) { Bf16Widening.Run("rw", [a, y], (this, op, b), static (t, s) => s.Item1.BinaryScalar(s.op, t[0], s.b, t[1])); return; }
        // A bf16 a takes b as float32 bits (binary.comp): b is not rounded to bf16 before the op, only the result is.
        uint bits = ValueBits(b, a.DType == DType.BFloat16 ? DType.Float32 : a.DType);
        Elementwise(Variant("binary", y), [(uint)op, DTypeCode(a), 1u], y, [a], y, [Read(a), Read(a), Write(y)], bits, label: $"binary.{op}.scalar");
    }

    private static void CheckBinary(BinaryOp op, Tensor y)
    {
        CheckOp(op);
        if (op.IsFloatOnly() && y.DType == DType.Int32) throw new NotSupportedException($"{op}: float only, got int32");
    }

    /// <summary>A number as the bits a shader reads for that dtype (value_bits of the elementwise push block; bf16: its 16 bits, rounded once from double).</summary>
    private static uint ValueBits(double value, DType dtype) => dtype switch
    {
        DType.Int32 => (uint)(int)value,
        DType.BFloat16 => BFloat16.FromDouble(value).Bits,
        _ => BitConverter.SingleToUInt32Bits((float)value),
    };

    public void Where(Tensor condition, Tensor a, Tensor b, Tensor y)
    {
        if (MixesBf16(condition, a, b, y)) { Bf16Widening.Run("rrrw", [condition, a, b, y], this, static (t, s) => s.Where(t[0], t[1], t[2], t[3])); return; }
        Elementwise(Variant("where", y), [DTypeCode(condition)], y, [condition, a, b], y, [Read(condition), Read(a), Read(b), Write(y)], label: "where");
    }

    /// <summary>
    /// Dispatches an elementwise shader over y's shape. strided: the operands addressed through their
    /// strides (slots 0..2); output: the contiguous output (its offset goes in slot 3), or null when
    /// the output is itself one of the strided slots (fill, copy).
    /// </summary>
    private void Elementwise(string shader, uint[] specialization, Tensor y, Tensor[] strided, Tensor? output, Binding[] bindings, uint valueBits = 0, string? label = null)
    {
        if (y.Numel == 0) return;
        var layout = StridedLayout.Coalesce(shader, y.Shape, strided.Select(t => t.Strides).ToArray());
        var push = new PushConstants()
            .U(y.Numel)                                   // numel
            .U((uint)layout.Rank)                         // rank
            .Ints(layout.Shape, StridedLayout.MaxRank);   // shape[MAX_RANK]
        for (int slot = 0; slot < 3; slot++)              // offset[4]
            push.U(slot < strided.Length ? strided[slot].Offset : 0);
        push.U(output?.Offset ?? 0);
        for (int slot = 0; slot < 3; slot++)              // stride[3][MAX_RANK]
            push.Ints(slot < strided.Length ? layout.Strides[slot] : [], StridedLayout.MaxRank);
        push.U(valueBits);                                // value_bits
        var kernel = Kernel(shader, bindings.Length, [ElementwiseGroupSize, .. specialization]);
        Dispatch(kernel, bindings, push, GroupsFor(y.Numel, ElementwiseGroupSize), label: label);
    }
}
