// The multi-tensor AdamW on lavapipe: bitwise the per-tensor update (PackedAdamWCheck), and one
// `adamw` dispatch per run, counted by the backend.
using MoeFromScratch.PropertyTests.Training;
using MoeFromScratch.Train.Optim;

namespace MoeFromScratch.PropertyTests.Vulkan;

[Collection("Vulkan")]
public sealed class PackedAdamWVulkanTests
{
    private static MoeFromScratch.Gpu.VulkanBackend Gpu => VulkanTestDevice.Backend;

    [VulkanFact]
    public void Runs_update_bitwise_as_the_per_tensor_step() =>
        Assert.Equal(PackedAdamWCheck.ExpectedRuns, PackedAdamWCheck.StepsMatchThePerTensorUpdate(Gpu));

    [VulkanFact]
    public void A_step_is_one_adamw_dispatch_per_run()
    {
        using var scope = new TensorScope();
        var ps = Enumerable.Range(0, 6).Select(i => ($"p{i}", new Parameter(Tensor.RandN(i % 2 == 0 ? [4, 3] : [3], seed: (ulong)i, backend: Gpu)))).ToList();
        using var optimizer = new AdamW(ps);
        long Adamw() => Gpu.DispatchesByKernel.GetValueOrDefault("adamw");
        long before = Adamw();
        optimizer.Step();
        Assert.Equal(2, Adamw() - before);                         // six parameters, two runs
    }
}
