// The kernel parity suite run on the reference backend itself: float32 reference results against
// float64 ones. It checks the suite rather than the kernels — the tolerances must admit a correct
// float32 implementation and the operands and layouts must be well formed — and it keeps the suite
// green while a backend's kernels are still being written.
using MoeFromScratch.Tensors.Reference;

namespace MoeFromScratch.PropertyTests.Kernels;

public sealed class ReferenceKernelParityTests : KernelParityTests
{
    private static readonly IBackend Float32Reference = new ReferenceBackend();

    // A second instance, so the "device" tensors are distinct from the reference ones, as on a real device.
    protected override IBackend Backend => Float32Reference;

    // In float64 c·g is the same double on both paths; in float32 the composition rounds the clipped g
    // to float32 before AdamW reads it and the gate's c·g stays a double: one rounding apart.
    protected override bool GatedAdamWIsBitwise(DType dtype) => dtype == DType.Float64;
}
