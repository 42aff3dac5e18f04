// The backend the autograd tests run their float64 checks on: the CPU backend. One name for it,
// so pointing every autograd test at another float64 backend is a one-line change.

namespace MoeFromScratch.PropertyTests.Autograd;

internal static class Float64Backend
{
    public static IBackend Instance => Device.Cpu;
}
