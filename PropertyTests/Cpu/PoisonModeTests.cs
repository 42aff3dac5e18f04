// Poison mode catches the two bugs native, reused memory makes possible: reading a tensor after its
// storage was released (the bytes turn to NaN, or -1 in int32, instead of quietly staying valid),
// and relying on a new storage being zeroed (a new block is all NaN until written). It must
// change no result of correct code: a training step of the tiny DeepSeekMoE gives bit-identical
// loss and gradients on a poisoned backend and on a plain one.
using MoeFromScratch.Tensors.Cpu;
using MoeFromScratch.Tensors.Cpu.Memory;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.PropertyTests.Cpu;

public sealed unsafe class PoisonModeTests
{
    private static CpuBackend Poisoned() => new(new CpuAllocator(new CpuAllocatorOptions { Poison = true }));

    [Fact]
    public void Reading_a_released_tensor_through_an_old_pointer_sees_nan()
    {
        var backend = Poisoned();
        var t = Tensor.FromArray([1f, 2, 3, 4], [4], backend);
        float* stale = ((CpuStorage)t.Storage).Pointer<float>();
        Assert.Equal(3f, stale[2]);
        t.Dispose();
        for (int i = 0; i < 4; i++) Assert.True(float.IsNaN(stale[i]), $"element {i} after release: {stale[i]}");
        Assert.Throws<ObjectDisposedException>(() => ((CpuStorage)t.Storage).Pointer<float>());
    }

    [Fact]
    public void A_released_block_stays_poisoned_while_new_tensors_are_made()
    {
        var backend = Poisoned();
        var t = Tensor.FromArray([7, 8, 9], [3], backend);
        int* stale = ((CpuStorage)t.Storage).Pointer<int>();
        t.Dispose();
        // Same size, made right after: without the quarantine it would take over the freed block.
        using var next = Tensor.FromArray([1, 2, 3], [3], backend);
        Assert.NotEqual((nint)stale, (nint)((CpuStorage)next.Storage).Pointer<int>());
        Assert.Equal([-1, -1, -1], new[] { stale[0], stale[1], stale[2] });
    }

    [Fact]
    public void New_storages_are_poison_until_written_and_zeros_are_written()
    {
        var backend = Poisoned();
        using var empty = Tensor.Empty([5], DType.Float64, backend);
        Assert.All(empty.ToArray<double>(), v => Assert.True(double.IsNaN(v)));
        using var zeros = Tensor.Zeros([5], DType.Float32, backend);
        Assert.Equal(new float[5], zeros.ToArray<float>());
        using var indices = Tensor.Empty([2], DType.Int32, backend);
        Assert.Equal([-1, -1], indices.ToArray<int>());
    }

    [Fact]
    public void A_training_step_gives_the_same_bits_on_poisoned_memory()
    {
        var (plainLoss, plainGrads) = OneStep(new CpuBackend(new CpuAllocator()));
        var (poisonedLoss, poisonedGrads) = OneStep(Poisoned());
        Assert.Equal(plainLoss, poisonedLoss);
        for (int i = 0; i < plainGrads.Count; i++)
        {
            int first = FirstDifference(plainGrads[i], poisonedGrads[i]);
            Assert.True(first < 0, $"gradient {i}: element {first} is {plainGrads[i][Math.Max(first, 0)]} plain, {poisonedGrads[i][Math.Max(first, 0)]} poisoned");
        }
    }

    private static int FirstDifference(float[] a, float[] b)
    {
        for (int i = 0; i < a.Length; i++)
            if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i])) return i;
        return -1;
    }

    private static (double Loss, List<float[]> Grads) OneStep(CpuBackend backend)
    {
        var config = MoePresets.Resolve("tiny");
        var model = ModelFactory.Create(config, backend, seed: 11);
        var random = new Random(11);
        var rows = Enumerable.Range(0, 2 * 17).Select(_ => random.Next(config.VocabSize)).ToArray();
        double loss;
        using (new TensorScope())
        {
            var (inputs, targets) = Batches.ToTensors(rows, 2, 16, backend);
            var output = model.Forward(inputs, targets);
            loss = output.Loss!.Item();
            output.Loss.Backward();
        }
        return (loss, model.Module.Parameters().Select(p => p.Grad!.ToArray<float>()).ToList());
    }
}
