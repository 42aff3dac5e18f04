// Fill and Copy (Shaders/fill.comp, copy.comp): elementwise dispatches through the shared
// Elementwise layout (VulkanBackend.Elementwise.cs); Copy converts dtype (float32 <-> int32).
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu;

public sealed partial class VulkanBackend
{
    public void Fill(Tensor y, double value)
    {
        Elementwise("fill", [], y, [y], output: null, [Write(y)], ValueBits(value, y.DType));
    }

    public void Copy(Tensor x, Tensor y) =>
        Elementwise("copy", [DTypeCode(x), DTypeCode(y)], y, [x, y], output: null, [Read(x), Write(y)]);
}
