// VulkanBackend, bfloat16 storage: whether the device stores bf16, which kernels run on bf16 words
// (the STORAGE_BF16 shader variants that Gpu.csproj compiles from the same sources, Shaders/bf16.glsl),
// and how the others take bf16 operands (Bf16Widening: float32 copies made on the device by the cast
// kernel, the float32 kernel, one narrowing on store; memory, not time).
// A kernel with a variant runs it when every float tensor it binds is bf16; a mix of bf16 and float32
// (which the reference allows) is widened, explicitly, the cast being the one mixed kernel (copy.comp).
//   bf16 variant: Fill, Copy (the cast, any pair of float32 / int32 / bf16), Unary, Binary,
//     BinaryScalar, Where (condition, a, b and y all bf16), Reduce (sum, max, min), Softmax and
//     LogSoftmax, RmsNormForward (x, weight, y bf16; rstd float32, Tensor.StatisticsDType), Rope,
//     Gather, IndexSelect, MatMul (tiled and skinny), GroupedMatMul and its weight gradient (a, b, c
//     all bf16: bf16 words staged into the float32 shared-memory tiles), CrossEntropyForward and
//     Backward (logits and dlogits bf16; losses and dlosses float32), RmsNormBackward (rstd float32),
//     AttentionForward and Backward (q, k, v, out, dout, dq, dk, dv bf16; lse float32).
//   widened: ArgMax, ScatterAdd, IndexAdd, TopK, the
//     random fills, AdamW.
// Arithmetic is float32 either way and each result is rounded once, to nearest even, where it is
// stored: the reference's rounding points, so the parity suite holds both paths to one tolerance.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu;

public sealed partial class VulkanBackend
{
    /// <summary>Float32 and int32 always; bfloat16 when the device was created with 16-bit storage (VulkanContext.Storage16Bit).</summary>
    public bool Supports(DType dtype) => dtype is DType.Float32 or DType.Int32 || (dtype == DType.BFloat16 && _context.Storage16Bit);

    /// <summary>Why this backend does not store dtype, in one line naming the device and what it lacks.</summary>
    public string Unsupported(DType dtype) => dtype == DType.BFloat16
        ? $"{Name} ({Device.Name}) cannot store bfloat16 tensors: " +
          (Device.Supports16BitStorage ? "16-bit storage was turned off (VulkanOptions.Use16BitStorage)" : "the device lacks 16-bit storage (storageBuffer16BitAccess)") +
          "; use float32"
        : $"{Name} does not store {dtype.Name()} tensors (float32, int32 and, with 16-bit storage, bfloat16)";

    /// <summary>True when some of a variant kernel's float tensors are bf16 and some are not: that mix is widened.</summary>
    private static bool MixesBf16(params ReadOnlySpan<Tensor> floats)
    {
        int bf16 = 0;
        foreach (var t in floats)
            if (t.DType == DType.BFloat16) bf16++;
        return bf16 > 0 && bf16 < floats.Length;
    }

    /// <summary>The shader's bf16 variant ("name.bf16", compiled with -DSTORAGE_BF16) when its float tensors are bf16 (one speaks for all once MixesBf16 is false).</summary>
    private static string Variant(string shader, Tensor floatOperand) =>
        floatOperand.DType == DType.BFloat16 ? shader + ".bf16" : shader;
}
