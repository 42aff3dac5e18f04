// The Vulkan runtime under the kernels: device listing and selection, validation, the memory
// pool (limits, reuse, no leaks over many steps) and the command stream (barriers only where a
// dispatch depends on an earlier one, and none between independent ones).
using MoeFromScratch.Gpu;
using MoeFromScratch.Gpu.Runtime;

namespace MoeFromScratch.PropertyTests.Vulkan;

[Collection("Vulkan")]
public sealed class RuntimeTests
{
    private static VulkanBackend Gpu => VulkanTestDevice.Backend;

    [VulkanFact]
    public void Devices_list_reports_names_and_limits()
    {
        var devices = VulkanDevices.List();
        Assert.NotEmpty(devices);
        foreach (var d in devices)
        {
            Assert.False(string.IsNullOrEmpty(d.Name));
            Assert.True(d.SubgroupSize > 0 && d.MaxStorageBufferRange > 0 && d.MaxSharedMemoryBytes > 0, d.ToString());
        }
        Assert.Contains(Gpu.Device.Index, devices.Select(d => d.Index));
    }

    [Fact]
    public void Selection_prefers_gpus_and_takes_a_cpu_device_only_when_allowed()
    {
        VulkanDeviceInfo Make(int i, VulkanDeviceType type) =>
            new(i, $"d{i}", type, "", "", "1.3.0", 0, 32, 32768, 1 << 27, 1024, false, false, true, false);
        var cpuOnly = new[] { Make(0, VulkanDeviceType.Cpu) };
        var error = Assert.Throws<GpuUnavailableException>(() => VulkanDevices.Select(cpuOnly, null, allowCpuDevice: false));
        Assert.Contains("allowCpuDevice", error.Message);
        Assert.Equal(0, VulkanDevices.Select(cpuOnly, null, allowCpuDevice: true));
        Assert.Equal(0, VulkanDevices.Select(cpuOnly, 0, allowCpuDevice: false));   // named explicitly
        var mixed = new[] { Make(0, VulkanDeviceType.Cpu), Make(1, VulkanDeviceType.IntegratedGpu), Make(2, VulkanDeviceType.DiscreteGpu) };
        Assert.Equal(2, VulkanDevices.Select(mixed, null, allowCpuDevice: true));
        Assert.Throws<GpuUnavailableException>(() => VulkanDevices.Select(mixed, 7, allowCpuDevice: true));
    }

    [VulkanFact]
    public void Validation_layer_is_on_when_installed()
    {
        bool installed = File.Exists("/usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json");
        if (installed) Assert.True(Gpu.ValidationEnabled);
    }

    [VulkanFact]
    public void A_tensor_beyond_the_storage_buffer_range_is_refused_naming_both_sizes()
    {
        long limit = (long)Gpu.Device.MaxStorageBufferRange;
        var error = Assert.Throws<GpuOutOfMemoryException>(() => Gpu.Allocate(DType.Float32, limit / 4 + 1));
        Assert.Contains(limit.ToString(), error.Message);
        Assert.Contains("maxStorageBufferRange", error.Message);
    }

    [VulkanFact]
    public void Float64_is_not_supported_and_the_tensor_api_says_so()
    {
        Assert.False(Gpu.Supports(DType.Float64));
        var error = Assert.Throws<NotSupportedException>(() => Tensor.Zeros([2], DType.Float64, Gpu));
        Assert.Contains("float64", error.Message);
    }

    [VulkanFact]
    public void Many_steps_of_a_small_workload_leave_pool_usage_flat()
    {
        using var w = Tensor.RandN([16, 24], 1, backend: Gpu);
        using var bias = Tensor.Rand([24], 2, backend: Gpu);
        long before = Gpu.BytesInUse;
        for (int step = 0; step < 50; step++)
        {
            using var scope = new TensorScope();
            var x = Tensor.Rand([8, 16], (ulong)step, backend: Gpu);
            var y = x.MatMul(w).Softmax().Add(bias);
            var loss = y.Sum();
            if (step % 10 == 0) _ = loss.Item();       // a read-back now and then, like logging
        }
        Gpu.Synchronize();
        Assert.Equal(before, Gpu.BytesInUse);
    }

    [VulkanFact]
    public void Counters_see_each_upload_read_back_and_wait()
    {
        Gpu.Synchronize();
        var start = Gpu.Counters;
        var kernelsBefore = Gpu.DispatchesByKernel;
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, [4], Gpu);   // one upload of 16 bytes
        using var y = x.Exp();                                                   // one dispatch
        var afterDispatch = Gpu.Counters - start;
        Assert.Equal(new VulkanCounters(1, afterDispatch.Barriers, 0, 0, 0, 16, 0, 0), afterDispatch);
        Assert.Equal(new Dictionary<string, long> { ["unary.Exp"] = 1 },
            MoeFromScratch.Train.Bench.DeviceStepCounters.Difference(Gpu.DispatchesByKernel, kernelsBefore));
        Assert.Equal(4, y.ToArray<float>().Length);                              // a read-back: 16 bytes, one wait
        Gpu.Synchronize();                                                       // an explicit wait
        var total = Gpu.Counters - start;
        Assert.Equal((2L, 1L, 16L, 16L, 0L), (total.HostWaits, total.ReadBacks, total.BytesUploaded, total.BytesReadBack, total.StagingBuffersCreated));
        Assert.True(total.Submits >= 1);
    }

    [VulkanFact]
    public void Uploads_and_read_backs_larger_than_the_staging_arenas_are_split_and_create_no_buffer()
    {
        // 64-byte arenas: a 1000-float upload takes 63 pieces over the three chunks, each chunk's arena
        // reused once its fence has signalled; the read-back takes 63 waits through its one arena.
        using var gpu = new VulkanBackend(new VulkanOptions
        {
            DeviceIndex = Gpu.Device.Index,
            AllowCpuDevice = true,
            StagingBytes = 64,
        });
        var created = gpu.Counters.StagingBuffersCreated;
        var values = Enumerable.Range(0, 1000).Select(i => i * 0.5f - 7).ToArray();
        for (int round = 0; round < 3; round++)
        {
            using var x = Tensor.FromArray(values, [1000], gpu);
            using var y = x.Neg();
            Assert.Equal(values.Select(v => -v), y.ToArray<float>());
        }
        var counted = gpu.Counters;
        Assert.Equal(created, counted.StagingBuffersCreated);
        Assert.Equal((3L * 4000, 3L * 4000, 3L), (counted.BytesUploaded, counted.BytesReadBack, counted.ReadBacks));
        Assert.Equal(3L * (4000 / 64 + 1), counted.HostWaits);
    }

    [VulkanFact]
    public void Barriers_appear_only_between_dependent_dispatches()
    {
        using var a = Tensor.Zeros([64], DType.Float32, Gpu);
        using var b = Tensor.Zeros([64], DType.Float32, Gpu);
        Gpu.Synchronize();
        long start = Gpu.Counters.Barriers;
        using var x = a.Exp();          // reads a
        using var y = b.Exp();          // reads b: independent of the first
        long independent = Gpu.Counters.Barriers;
        using var z = x.Add(y);         // reads what both wrote
        long dependent = Gpu.Counters.Barriers;
        Assert.Equal(start, independent);
        Assert.Equal(independent + 1, dependent);
        Assert.All(z.ToArray<float>(), v => Assert.Equal(2f, v));
    }

    [VulkanFact]
    public void Freed_ranges_are_reused_and_write_after_read_is_ordered()
    {
        // x is freed while a queued dispatch still reads it; the next tensor reuses its bytes and
        // is written at once. The write-after-read barrier keeps the first result intact.
        using var source = Tensor.Full([1000], 3, DType.Float32, Gpu);
        var x = source.Exp();
        using var y = x.Neg();
        x.Dispose();
        using var reuse = Tensor.Full([1000], -7, DType.Float32, Gpu);
        Assert.All(y.ToArray<float>(), v => Assert.Equal(-MathF.Exp(3), v, 5));
        Assert.All(reuse.ToArray<float>(), v => Assert.Equal(-7f, v));
    }
}
