// RankDevice: which device a rank opens when a launcher started several on one machine. With one
// rank per machine (or none) --device means what it always means. With L local ranks, `vulkan`
// (and `auto` when the machine has a Vulkan GPU) gives local rank l the l-th GPU of `moe devices`
// (CPU-type Vulkan devices such as lavapipe are not GPUs and are skipped), so L ranks never share
// one; fewer GPUs than local ranks is refused with one line. `vulkan:N` is taken as given (every
// rank opens device N: the user asked for it), and `cpu` stays `cpu` — its cores are split among the
// local ranks by CpuThreads.Limit (Cli/WorldStart.cs), not here.
// The local rank comes from the launcher (Open MPI's OMPI_COMM_WORLD_LOCAL_RANK, Hydra's
// MPI_LOCALRANKID: Distributed/Launcher.cs).
// Not here: opening the device (DeviceSelector).
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Devices;

public static class RankDevice
{
    /// <summary>The --device value local rank `localRank` of `localSize` opens, given this machine's GPU ids ("vulkan:N", in `moe devices` order; read only when needed).</summary>
    public static string For(string device, int localRank, int localSize, Func<IReadOnlyList<string>> gpus)
    {
        string name = device.Trim().ToLowerInvariant();
        if (localSize <= 1 || name is not ("vulkan" or "auto")) return device;
        var found = gpus();
        if (found.Count == 0)
            return name == "auto" ? "cpu" : device;   // auto: the CPU, as in one process; vulkan: DeviceSelector's own error
        if (found.Count < localSize)
            throw new UsageException($"--device {name}: {localSize} ranks on this machine but {found.Count} Vulkan GPU{(found.Count == 1 ? "" : "s")} " +
                $"({string.Join(", ", found)}); start at most {found.Count} rank{(found.Count == 1 ? "" : "s")} per machine, or name one device for all with --device vulkan:N");
        return found[localRank];
    }

    /// <summary>This machine's Vulkan GPUs in `moe devices` order ("vulkan:N"), none without a GPU (no driver is loaded then).</summary>
    public static IReadOnlyList<string> MachineGpus() =>
        GpuProbe.HasVulkanGpu() ? DeviceCatalog.List().Where(d => GpuProbe.IsGpu(d.Type)).Select(d => d.Id).ToList() : [];
}
