// bfloat16 storage on the Vulkan backend, beyond the values (the kernel parity suite draws bf16 on the
// Vulkan fixture and checks every kernel against the reference): a bf16 tensor takes half the device
// bytes; the kernels with a bf16 shader variant run on bf16 words in one dispatch while the rest widen
// through casts (VulkanBackend.Bf16.cs); a device without 16-bit storage refuses bf16 in one line that
// names the device and the feature, and float32 keeps working there.
using MoeFromScratch.Gpu;
using MoeFromScratch.Gpu.Runtime;
using MoeFromScratch.Train.Bench;

namespace MoeFromScratch.PropertyTests.Vulkan;

[Collection("Vulkan")]
public sealed class Bf16StorageTests
{
    private static VulkanBackend Gpu => VulkanTestDevice.Backend;

    [VulkanFact]
    public void A_bf16_tensor_takes_half_the_device_bytes_of_float32()
    {
        Assert.True(Gpu.Supports(DType.BFloat16), $"{Gpu.Device.Name} reports 16-bit storage: {Gpu.Device.Supports16BitStorage}");
        long before = Gpu.BytesInUse;
        using var wide = Tensor.Zeros([4096], DType.Float32, Gpu);
        long float32Bytes = Gpu.BytesInUse - before;
        using var narrow = Tensor.Zeros([4096], DType.BFloat16, Gpu);
        long bf16Bytes = Gpu.BytesInUse - before - float32Bytes;
        Assert.Equal((4096L * 4, 4096L * 2), (float32Bytes, bf16Bytes));
    }

    [VulkanFact]
    public void The_device_cast_to_bf16_rounds_bit_for_bit_as_BFloat16_FromSingle()
    {
        // Ties (low half exactly 0x8000, odd and even), just above and below them, the largest finite
        // values (rounding up overflows to ±inf), ±inf, quiet and signalling NaNs, zeros, subnormals,
        // and random patterns: float32 bits, so truncation or a round-half-up shows as a wrong bit.
        var random = new Random(18);
        uint[] special = [0x3F808000, 0x3F818000, 0x3F807FFF, 0x3F808001, 0x7F7FFFFF, 0xFF7FFFFF, 0x7F7F8000,
            0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001, 0xFFBFFFFF, 0, 0x80000000, 0x00018000, 0x807F8000];
        var bits = special.Concat(Enumerable.Range(0, 4096).Select(_ => (uint)random.NextInt64(0, 1L << 32))).ToArray();
        var values = bits.Select(BitConverter.UInt32BitsToSingle).ToArray();
        using var x = Tensor.FromArray(values, [values.Length], Gpu);
        using var y = x.Cast(DType.BFloat16);
        var expected = values.Select(v => BFloat16.FromSingle(v).Bits).ToArray();
        var actual = y.ToArray<BFloat16>().Select(b => b.Bits).ToArray();
        int first = Enumerable.Range(0, expected.Length).FirstOrDefault(i => actual[i] != expected[i], -1);
        Assert.True(first < 0, first < 0 ? "" : $"float32 0x{bits[first]:X8}: device 0x{actual[first]:X4}, BFloat16.FromSingle 0x{expected[first]:X4}");
    }

    [VulkanFact]
    public void Kernels_with_a_bf16_variant_run_in_one_dispatch_and_the_others_widen_through_casts()
    {
        using var scope = new TensorScope();
        var x = Tensor.RandN([8, 16], 7, dtype: DType.BFloat16, backend: Gpu);
        var w = Tensor.RandN([16, 8], 8, dtype: DType.BFloat16, backend: Gpu);
        Gpu.Synchronize();

        var before = Gpu.DispatchesByKernel;
        x.Exp();
        x.Softmax(-1);
        Assert.Equal(new Dictionary<string, long> { ["unary.Exp"] = 1, ["softmax"] = 1 },
            DeviceStepCounters.Difference(Gpu.DispatchesByKernel, before));

        before = Gpu.DispatchesByKernel;
        x.MatMul(w);   // the matmul's bf16 variant: bf16 words staged into float32 tiles, no casts
        Assert.Equal(new Dictionary<string, long> { ["matmul"] = 1 }, DeviceStepCounters.Difference(Gpu.DispatchesByKernel, before));

        var wide = x.Cast(DType.Float32);
        before = Gpu.DispatchesByKernel;
        wide.TopK(2);   // no bf16 top-k shader: on float32 no cast either
        x.TopK(2);      // on bf16: x widened through a cast, the float32 kernel, the values narrowed
        var widened = DeviceStepCounters.Difference(Gpu.DispatchesByKernel, before);
        Assert.Equal(2, widened.GetValueOrDefault("topk"));
        Assert.Equal(2, widened.GetValueOrDefault("copy"));
    }

    [VulkanFact]
    public void A_device_without_16_bit_storage_refuses_bf16_in_one_line_and_keeps_float32()
    {
        using var gpu = new VulkanBackend(new VulkanOptions { DeviceIndex = Gpu.Device.Index, AllowCpuDevice = true, Use16BitStorage = false });
        Assert.False(gpu.Supports(DType.BFloat16));
        var error = Assert.Throws<NotSupportedException>(() => Tensor.Zeros([4], DType.BFloat16, gpu));
        Assert.Contains(gpu.Name, error.Message);
        Assert.Contains(gpu.Device.Name, error.Message);
        Assert.Contains("16-bit storage", error.Message);
        Assert.DoesNotContain('\n', error.Message);

        using var x = Tensor.FromArray(new float[] { 1, -2, 3 }, [3], gpu);
        using var y = x.Neg();
        Assert.Equal([-1f, 2, -3], y.ToArray<float>());
    }
}
