// The whole model on Vulkan (lavapipe in CI) against the same model on the CPU: the same weights
// (copied through the official-name mapping), the same batch, forward + backward in float32; the
// logits, the losses, the routing and every gradient must agree to float32 accuracy.
using MoeFromScratch.Model;
using MoeFromScratch.Model.Checkpoint;
using MoeFromScratch.PropertyTests.Vulkan;

namespace MoeFromScratch.PropertyTests.Model;

[Collection("Vulkan")]
public sealed class ModelVulkanTests
{
    private const int B = 2, T = 6;

    [VulkanFact]
    public void Forward_and_backward_on_Vulkan_match_the_CPU()
    {
        var vulkan = VulkanTestDevice.Backend;
        using var cpuModel = MicroModel.Build(DType.Float32, Device.Cpu);
        using var gpuModel = MicroModel.Build(DType.Float32, vulkan, seed: 99);
        using (var copy = new TensorScope())
            ModelWeights.LoadInto(gpuModel, ModelWeights.Official(cpuModel, p => p.Data).ToDictionary(w => w.Name, w => w.Tensor));

        var ids = MicroModel.Tokens(B, T, cpuModel.Config.VocabSize, seed: 4);
        var next = MicroModel.Tokens(B, T, cpuModel.Config.VocabSize, seed: 5);
        using var scope = new TensorScope();
        var cpu = cpuModel.Forward(MicroModel.Ids(ids, B, T), MicroModel.Ids(next, B, T));
        var gpu = gpuModel.Forward(MicroModel.Ids(ids, B, T, vulkan), MicroModel.Ids(next, B, T, vulkan));
        cpu.Loss!.Backward();
        gpu.Loss!.Backward();

        static void Close(string what, Tensor want, Tensor got) =>
            ArrayAssert.Close(got.ToDoubleArray(), want.ToDoubleArray(), new(2e-5, 1e-3), what + " (vulkan vs cpu)");
        Close("logits", cpu.Logits.Data, gpu.Logits.Data);
        Close("loss", cpu.Loss.Data, gpu.Loss.Data);
        Close("aux", cpu.AuxLoss.Data, gpu.AuxLoss.Data);
        Assert.Equal(cpu.MoeLayers[0].Output.TopIndices.ToArray<int>(), gpu.MoeLayers[0].Output.TopIndices.ToArray<int>());
        foreach (var ((name, a), (_, b)) in cpuModel.NamedParameters().Zip(gpuModel.NamedParameters()))
            Close("grad " + name, a.Grad!, b.Grad!);
    }
}
