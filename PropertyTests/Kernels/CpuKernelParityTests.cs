// The kernel parity suite on the CPU backend (Device.Cpu): every CpuBackend kernel against the
// reference loops, float32 and float64, full-size shapes and the default tight tolerances.

namespace MoeFromScratch.PropertyTests.Kernels;

public sealed class CpuKernelParityTests : KernelParityTests
{
    protected override IBackend Backend => Device.Cpu;

    // ClipGate forms c in double and rounds it once, as the host clip did; AdamW multiplies g by it
    // once in T and takes t's bias corrections in double: the gated step is the composition's bits.
    protected override bool GatedAdamWIsBitwise(DType dtype) => true;
}
