// Operand: one kernel input held on both sides of a parity check. The reference side is the exact
// widening of the device side (float64 for float data, int32 for indices), contiguous; the device
// side is in the dtype and layout under test. Both are made from the same drawn values, so any
// difference in the results comes from the kernel, not from the inputs.

namespace MoeFromScratch.PropertyTests.Kernels;

public sealed record Operand(Tensor Reference, Tensor Device)
{
    /// <summary>How the device side looks, for failure messages: shape, dtype, strides, offset.</summary>
    public string Describe(string name) =>
        $"{name} {Shape.Format(Device.Shape)} {Device.DType.Name()} strides ({string.Join(", ", Device.Strides)}) offset {Device.Offset}";
}
