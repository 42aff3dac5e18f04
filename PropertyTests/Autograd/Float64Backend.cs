// The backend the autograd tests run their float64 checks on: the CPU backend, the target.
namespace MoeFromScratch.PropertyTests.Autograd;

internal static class Float64Backend
{
    public static MoeFromScratch.Tensors.IBackend Instance => MoeFromScratch.Tensors.Device.Cpu;
}
