// ActivationEstimate against the real tape: for every preset, with fused and with composed
// attention, a forward pass (B 2, T 16) on a CPU backend with its own allocator, and the tensor bytes it leaves alive counted by that allocator.
// The formula counts every op output and saved tensor; what it leaves out is the balance-loss
// tensors ((B, E) or smaller, at most 8 a MoE layer) and the loss scalars, so the count may exceed
// it by exactly that much and no more — and never fall below it.
using MoeFromScratch.Model.Layers;
using MoeFromScratch.Tensors.Cpu;
using MoeFromScratch.Tensors.Cpu.Memory;
using MoeFromScratch.Train.Bench;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.PropertyTests.Training;

public sealed class ActivationEstimateTests
{
    public static TheoryData<string, bool> Cases()
    {
        var cases = new TheoryData<string, bool>();
        foreach (var preset in new[] { "tiny", "small", "small-gshard", "small-switch", "small-hash", "small-dense" })
            foreach (bool fused in new[] { true, false }) cases.Add(preset, fused);
        return cases;
    }

    /// <summary>fused: plain causal rows (the CPU's fused attention); else one segment per row, which masks
    /// the same way but takes the composition and its (T, T) matrices, as a backend without the kernel does.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Counts_what_a_forward_pass_leaves_for_the_backward_pass(string preset, bool fused)
    {
        const int B = 2, T = 16;
        var config = MoePresets.Resolve(preset);
        var allocator = new CpuAllocator();
        var backend = new CpuBackend(allocator);
        var model = ((DeepSeekMoeLanguageModel)ModelFactory.Create(config, backend, seed: 5)).Model;
        model.Mask.Reserve(T);                                          // the model's, built by a composed forward: not an activation
        using var oneSegment = fused ? null : CausalMask.ForSegments(new int[B * T], B, T, backend, DType.Float32);
        var random = new Random(5);
        var rows = Enumerable.Range(0, B * (T + 1)).Select(_ => random.Next(config.VocabSize)).ToArray();

        long counted;
        using (new TensorScope())
        {
            var (inputs, targets) = Batches.ToTensors(rows, B, T, backend);
            long before = allocator.Stats.RequestedBytes;
            var loss = model.Forward(inputs, targets, training: true, mask: oneSegment).Loss!;
            counted = allocator.Stats.RequestedBytes - before;
            loss.Backward();
        }

        long estimate = ActivationEstimate.Bytes(config, B, T, fused);
        int moeLayers = Enumerable.Range(0, config.NumHiddenLayers).Count(config.IsMoeLayer);
        long leftOut = 4L * (moeLayers * 8 * (B * config.NRoutedExperts) + 4 * config.NumHiddenLayers + 8);
        Assert.True(counted >= estimate && counted - estimate <= leftOut,
            $"{preset} ({(fused ? "fused" : "composed")} attention): the forward pass left {counted} bytes alive, the estimate says {estimate} (+ at most {leftOut} of balance-loss tensors and scalars)");
    }
}
