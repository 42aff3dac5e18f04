// Device: where tensors live by default, and the name-to-backend lookup used by `--device`.
// Backends other than the CPU register themselves (the Gpu project adds Vulkan devices), so the
// Tensors project does not depend on them.
namespace MoeFromScratch.Tensors;

public static class Device
{
    private static readonly Lazy<IBackend> _cpu = new(() => new Cpu.CpuBackend());

    /// <summary>The process-wide CPU backend.</summary>
    public static IBackend Cpu => _cpu.Value;
}
