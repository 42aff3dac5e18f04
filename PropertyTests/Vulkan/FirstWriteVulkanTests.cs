// Gradients written on first accumulation, counted on lavapipe: the backward of x @ W, of Linear's
// x @ Wᵀ and of RMSNorm writes the weight's gradient into its Grad itself (no copy dispatch), and a
// bf16 cast of a float32 weight converts its gradient straight into the master's Grad (one copy: the
// conversion); each equals the CPU's.
namespace MoeFromScratch.PropertyTests.Vulkan;

[Collection("Vulkan")]
public sealed class FirstWriteVulkanTests
{
    private static MoeFromScratch.Gpu.VulkanBackend Gpu => VulkanTestDevice.Backend;

    private static (double[] Grad, long Copies) WeightGrad(IBackend backend) =>
        WeightGrad(backend, [4, 3], (x, w) => x.MatMul(w));

    // The gradient a loss Σ op(x, w) gives w, and the copy dispatches its backward ran.
    private static (double[] Grad, long Copies) WeightGrad(IBackend backend, int[] weightShape, Func<Variable, Parameter, Variable> op)
    {
        using var scope = new TensorScope();
        var x = new Variable(Tensor.RandN([2, 3, 4], seed: 1, backend: backend));
        var w = new Parameter(Tensor.RandN(weightShape, seed: 2, backend: backend));
        var y = op(x, w).Square();                                      // a contiguous dy for op (Sum's alone is a broadcast)
        var loss = (y.DType == DType.Float32 ? y : y.Cast(DType.Float32)).Sum();
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

    [VulkanFact]
    public void Linear_RmsNorm_and_a_bf16_cast_write_their_weight_gradients_without_a_copy()
    {
        var cases = new (string Name, int[] Shape, Func<Variable, Parameter, Variable> Op, long Copies)[]
        {
            ("x @ Wᵀ (Linear)", [5, 4], (x, w) => Functional.Linear(x, w), 0),
            ("RMSNorm weight", [4], (x, w) => x.RmsNorm(w, 1e-5), 0),
            ("x @ cast(W) in bf16", [4, 3], (x, w) => x.Cast(DType.BFloat16).MatMul(w.Cast(DType.BFloat16)), 2), // the loss's cast back to bf16, W's gradient conversion
        };
        foreach (var (name, shape, op, expected) in cases)
        {
            var (onGpu, copies) = WeightGrad(Gpu, shape, op);
            var (onCpu, _) = WeightGrad(Device.Cpu, shape, op);
            Assert.True(expected == copies, $"{name}: {copies} copy dispatches in the backward, expected {expected}");
            ArrayAssert.Close(onGpu, onCpu, new Tolerance(1e-2, 1e-2), name + ": dW on vulkan vs cpu");
        }
    }
}
