// Gradients written on first accumulation, counted on lavapipe: the backward of x @ W writes W's
// gradient into W.Grad itself (no copy dispatch), and equals the CPU's.
namespace MoeFromScratch.PropertyTests.Vulkan;

[Collection("Vulkan")]
public sealed class FirstWriteVulkanTests
{
    private static MoeFromScratch.Gpu.VulkanBackend Gpu => VulkanTestDevice.Backend;

    private static (double[] Grad, long Copies) WeightGrad(IBackend backend)
    {
        using var scope = new TensorScope();
        var x = new Variable(Tensor.RandN([6, 4], seed: 1, backend: backend));
        var w = new Parameter(Tensor.RandN([4, 3], seed: 2, backend: backend));
        var loss = x.MatMul(w).Sum();
        long Copies() => backend == Gpu ? Gpu.DispatchesByKernel.GetValueOrDefault("copy") : 0;
        long before = Copies();
        loss.Backward();
        long copies = Copies() - before;
        return (w.Grad!.ToDoubleArray(), copies);
    }

    [VulkanFact]
    public void The_weight_gradient_is_written_into_Grad_without_a_copy()
    {
        var (onGpu, copies) = WeightGrad(Gpu);
        var (onCpu, _) = WeightGrad(Device.Cpu);
        Assert.Equal(0, copies);
        ArrayAssert.Close(onGpu, onCpu, new Tolerance(1e-5, 1e-5), "x @ W: dW on vulkan vs cpu");
    }
}
