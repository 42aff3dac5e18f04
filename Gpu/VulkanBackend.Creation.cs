// Fill and Copy (Shaders/fill.comp, copy.comp): elementwise dispatches through the shared
// Elementwise layout (VulkanBackend.Elementwise.cs); Copy converts dtype (float32, int32, and bf16
// through copy.comp's bf16 variant: the cast, rounding to nearest even).
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu;

public sealed partial class VulkanBackend
{
    public void Fill(Tensor y, double value)
    {
        Elementwise(Variant("fill", y), [], y, [y], output: null, [Write(y)], ValueBits(value, y.DType), label: "fill");
    }

    public void Copy(Tensor x, Tensor y) =>
        Elementwise(x.DType == DType.BFloat16 || y.DType == DType.BFloat16 ? "copy.bf16" : "copy", [DTypeCode(x), DTypeCode(y)], y, [x, y], output: null, [Read(x), Write(y)], label: "copy");
}
