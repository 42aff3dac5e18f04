// The backend the autograd tests run their float64 checks on: the CPU backend (the target) once
// its kernels exist, the reference backend until then. Both hold float64 on the host.
using MoeFromScratch.Tensors;
using MoeFromScratch.Tensors.Reference;

namespace MoeFromScratch.PropertyTests.Autograd;

internal static class Float64Backend
{
    private static readonly Lazy<IBackend> _instance = new(() => CpuKernelsExist() ? Device.Cpu : new ReferenceBackend());

    public static IBackend Instance => _instance.Value;

    private static bool CpuKernelsExist()
    {
        try
        {
            using var probe = Tensor.Full([1], 1, DType.Float64);
            using var e = probe.Exp();
            using var s = e.Sum();
            return true;
        }
        catch (NotImplementedException)
        {
            return false;
        }
    }
}
