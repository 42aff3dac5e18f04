// The same MoE layer on the CPU and on Vulkan (lavapipe in CI), float32: forward (output, routing,
// load, aux loss) and backward (every parameter's gradient and the input's) agree. The Vulkan layer
// gets the CPU layer's weights copied in, so only the kernels differ.
using MoeFromScratch.Model.Moe;
using MoeFromScratch.PropertyTests.Vulkan;

namespace MoeFromScratch.PropertyTests.Model.Moe;

[Collection("Vulkan")]
public sealed class MoeVulkanTests
{
    [VulkanTheory]
    [InlineData(MoeKind.DeepSeek, 8, 3, 1)]
    [InlineData(MoeKind.GShard, 4, 2, 0)]
    [InlineData(MoeKind.Hash, 4, 1, 0)]
    public void Cpu_and_Vulkan_agree_forward_and_backward(MoeKind kind, int E, int K, int S)
    {
        var c = new MoeCase(B: 2, T: 5, C: 8, I: 6, E, K, S, Seed: 21);
        var config = c.Config(kind, alpha: kind == MoeKind.Hash ? 0 : 0.01, alpha2: kind == MoeKind.Hash ? 0 : 0.05, devices: 2);
        var cpu = Run(config, c, Device.Cpu, null);
        var gpu = Run(config, c, VulkanTestDevice.Backend, Device.Cpu);
        Assert.Equal(cpu.Indices, gpu.Indices);
        Assert.Equal(cpu.Load, gpu.Load);
        ArrayAssert.Close(gpu.Y, cpu.Y, new(1e-4, 1e-4), $"y ({kind} {c})");
        ArrayAssert.Close([gpu.Aux], [cpu.Aux], new(1e-5, 1e-5), $"aux ({kind} {c})");
        foreach (var name in cpu.Grads.Keys)
            ArrayAssert.Close(gpu.Grads[name], cpu.Grads[name], new(1e-3, 1e-3), $"d{name} ({kind} {c})");
    }

    private sealed record Result(double[] Y, double Aux, int[] Indices, int[] Load, Dictionary<string, double[]> Grads);

    // Builds the layer on the CPU, moves its weights to backend, runs forward + backward there.
    private static Result Run(MoeConfig config, MoeCase c, IBackend backend, IBackend? weightsFrom)
    {
        using var scope = new TensorScope();
        var layer = SlowMoe.Layer(config, c.Seed, backend, DType.Float32);
        if (weightsFrom is not null)
        {
            var source = SlowMoe.Layer(config, c.Seed, weightsFrom, DType.Float32);
            foreach (var ((_, from), (_, to)) in source.NamedParameters().Zip(layer.NamedParameters()))
                backend.Copy(from.Data.To(backend), to.Data);
        }
        var x = new Variable(SlowMoe.Input(c, Device.Cpu, DType.Float32).To(backend), requiresGrad: true);
        var output = layer.Forward(x, SlowMoe.TokenIds(c, backend), training: true);
        var r = Tensor.RandN(output.Y.Shape, 3, 0, 1, DType.Float32, Device.Cpu).To(backend);
        ((output.Y * new Variable(r)).Sum() + output.AuxLoss).Backward();
        var grads = layer.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Grad!.ToDoubleArray());
        grads["x"] = x.Grad!.ToDoubleArray();
        return new Result(output.Y.Data.ToDoubleArray(), output.AuxLoss.Item(), output.TopIndices.ToArray<int>(), output.ExpertLoad.ToArray<int>(), grads);
    }
}
