// The out-of-GPU-memory path: a backend whose pool may reserve only 1 MiB (VulkanOptions.
// MemoryLimitBytes) is asked for more, and must refuse with a MoeUserException that says how much
// was needed, how much is in use, and what to shrink; the pool stays usable afterwards.
using MoeFromScratch.Gpu;
using MoeFromScratch.Gpu.Runtime;
using MoeFromScratch.PropertyTests.Vulkan;

namespace MoeFromScratch.PropertyTests.Reliability;

public sealed class GpuMemoryErrorTests
{
    [VulkanFact]
    public void Running_out_of_gpu_memory_says_how_much_and_what_to_shrink()
    {
        int? index = VulkanDevices.List().FirstOrDefault(d => d.Type == VulkanDeviceType.Cpu)?.Index;
        using var gpu = new VulkanBackend(new VulkanOptions
        {
            DeviceIndex = index,
            AllowCpuDevice = true,
            PoolBlockBytes = 256 << 10,
            MemoryLimitBytes = 1 << 20,
        });
        using var small = Tensor.Zeros([1024], DType.Float32, gpu);          // 4 KiB: fits
        var error = Assert.Throws<GpuOutOfMemoryException>(() => Tensor.Zeros([1 << 20], DType.Float32, gpu)); // 4 MiB: does not
        Assert.Equal(UserErrorKind.Device, error.Kind);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains("4194304 bytes", error.Message);                      // needed
        Assert.Contains("in use by tensors", error.Message);
        Assert.Contains("reduce --batch or --seq or the model size", error.Message);
        using var again = Tensor.Zeros([1024], DType.Float32, gpu);          // still usable
    }
}
