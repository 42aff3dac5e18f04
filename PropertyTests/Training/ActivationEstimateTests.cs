// ActivationEstimate against the real tape: for every preset, a forward pass (B 2, T 16) on a CPU
// backend with its own allocator, and the tensor bytes it leaves alive counted by that allocator.
// The formula counts every op output and saved tensor; what it leaves out is the balance-loss
// tensors ((B, E) or smaller, at most 8 a MoE layer) and the loss scalars, so the count may exceed
// it by exactly that much and no more — and never fall below it.
using MoeFromScratch.Model.Config;
using MoeFromScratch.Tensors;
using MoeFromScratch.Tensors.Cpu;
using MoeFromScratch.Tensors.Cpu.Memory;
using MoeFromScratch.Train.Bench;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.PropertyTests.Training;

public sealed class ActivationEstimateTests
{
    [Theory]
    [InlineData("tiny")]
    [InlineData("small")]
    [InlineData("small-gshard")]
    [InlineData("small-switch")]
    [InlineData("small-hash")]
    [InlineData("small-dense")]
    public void Counts_what_a_forward_pass_leaves_for_the_backward_pass(string preset)
    {
        const int B = 2, T = 16;
        var config = MoePresets.Resolve(preset);
        var allocator = new CpuAllocator();
        var backend = new CpuBackend(allocator);
        var model = ModelFactory.Create(config, backend, seed: 5);
        ((DeepSeekMoeLanguageModel)model).Model.Mask.Reserve(T);   // the model's, built by its first forward: not an activation
        var random = new Random(5);
        var rows = Enumerable.Range(0, B * (T + 1)).Select(_ => random.Next(config.VocabSize)).ToArray();

        long counted;
        using (new TensorScope())
        {
            var (inputs, targets) = Batches.ToTensors(rows, B, T, backend);
            long before = allocator.Stats.RequestedBytes;
            var loss = model.Forward(inputs, targets).Loss!;
            counted = allocator.Stats.RequestedBytes - before;
            loss.Backward();
        }

        long estimate = ActivationEstimate.Bytes(config, B, T);
        int moeLayers = Enumerable.Range(0, config.NumHiddenLayers).Count(config.IsMoeLayer);
        long leftOut = 4L * (moeLayers * 8 * (B * config.NRoutedExperts) + 4 * config.NumHiddenLayers + 8);
        Assert.True(counted >= estimate && counted - estimate <= leftOut,
            $"{preset}: the forward pass left {counted} bytes alive, the estimate says {estimate} (+ at most {leftOut} of balance-loss tensors and scalars)");
    }
}
