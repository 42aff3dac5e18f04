// The kernel parity suite on the Vulkan backend: the same property bodies as the CPU, run on the
// shared test device (lavapipe here, with validation layers), float32 and bfloat16 (through 16-bit
// storage, at the base class's derived BFloat16Tolerance; no float64 on the device), with small shapes
// because lavapipe is slow. Skips without a Vulkan device, except
// under CI=true (see VulkanTestDevice).
using MoeFromScratch.PropertyTests.Vulkan;

namespace MoeFromScratch.PropertyTests.Kernels;

[Collection("Vulkan"), Trait("Device", "vulkan")]
public sealed class VulkanKernelParityTests : KernelParityTests
{
    protected override IBackend Backend => VulkanTestDevice.Backend;

    protected override int MaxSize => 6;

    // GPU exp/log/sin/cos are a few ulp, sums run in a different order in float32.
    protected override double Float32Tolerance => 1e-4;

    // A shader cannot throw on an out-of-range index (see VulkanBackend.Indexing.cs).
    protected override bool ChecksIndexRange => false;
}
