// The per-shader profile (Gpu/Runtime/KernelProfile.cs): with ProfileKernels on, every dispatch is
// booked to its shader and the table printed on Dispose names each shader that ran, with its count;
// without it nothing is printed. A second backend on the test device, so the shared one is untouched.
using MoeFromScratch.Gpu;
using MoeFromScratch.Gpu.Runtime;

namespace MoeFromScratch.PropertyTests.Vulkan;

[Collection("Vulkan")]
public sealed class KernelProfileTests
{
    private static string RunAndDispose(bool profile)
    {
        var output = new StringWriter();
        var previous = Console.Error;
        var backend = new VulkanBackend(new VulkanOptions
        {
            DeviceIndex = VulkanTestDevice.Backend.Device.Index,
            AllowCpuDevice = true,
            ProfileKernels = profile,
        });
        try
        {
            using (var scope = new TensorScope())
            {
                var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3], backend);
                var y = (x * 2.0).Sum(1);                 // one binary, one reduce
                Assert.Equal([12f, 30f], y.ToArray<float>());
            }
            Console.SetError(output);
            backend.Dispose();
        }
        finally
        {
            Console.SetError(previous);
            backend.Dispose();
        }
        return output.ToString();
    }

    [VulkanFact]
    public void A_profiled_backend_prints_each_shader_it_ran_with_its_dispatch_count()
    {
        var lines = RunAndDispose(profile: true).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("kernel profile, vulkan:"));
        foreach (var shader in new[] { "binary", "reduce" })
        {
            var row = Assert.Single(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0] == shader);
            Assert.Equal("1", row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3]);   // shader, total ms, share, dispatches
        }
    }

    [VulkanFact]
    public void Without_the_option_nothing_is_printed() => Assert.Equal("", RunAndDispose(profile: false));
}
