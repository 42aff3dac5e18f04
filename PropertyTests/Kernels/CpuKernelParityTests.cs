// The kernel parity suite on the CPU backend (Device.Cpu): every CpuBackend kernel against the
// reference loops, float32 and float64, full-size shapes and the default tight tolerances.

namespace MoeFromScratch.PropertyTests.Kernels;

public sealed class CpuKernelParityTests : KernelParityTests
{
    protected override IBackend Backend => Device.Cpu;
}
