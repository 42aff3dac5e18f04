// KernelProfile: where a Vulkan run's device time goes, shader by shader — for finding the hot
// kernel, not for measuring throughput. With MOE_VK_PROFILE=1 every dispatch is submitted and
// waited for on its own (the queue drained before and after it), its wall time added to its
// shader's total, and the table printed to stderr when the backend is disposed:
//   MOE_VK_PROFILE=1 moe bench train --config tiny --device vulkan:0 --steps 1 --warmup 1
// That serialises the host and the device, so each total includes a submit and a wait per dispatch
// (microseconds on a real driver) and the run itself is slower; compare kernels, not runs.
// It deliberately is not timestamp queries: a host clock around a drained queue needs no device
// support and reads the same on lavapipe and on a GPU.
using System.Diagnostics;

namespace MoeFromScratch.Gpu.Runtime;

internal sealed class KernelProfile
{
    private readonly Dictionary<string, (TimeSpan Time, int Dispatches)> _totals = [];

    /// <summary>A profile when asked for (or, when the option is unset, when MOE_VK_PROFILE=1), else null: dispatches are then not serialised.</summary>
    public static KernelProfile? For(VulkanOptions options) =>
        options.ProfileKernels ?? Environment.GetEnvironmentVariable("MOE_VK_PROFILE") == "1" ? new KernelProfile() : null;

    /// <summary>Runs one dispatch alone: drains the stream, records, drains again, and books the time to shader.</summary>
    public void Time(string shader, CommandStream stream, Action dispatch)
    {
        stream.Synchronize();
        long start = Stopwatch.GetTimestamp();
        dispatch();
        stream.Synchronize();
        var (time, dispatches) = _totals.GetValueOrDefault(shader);
        _totals[shader] = (time + Stopwatch.GetElapsedTime(start), dispatches + 1);
    }

    public void Print(TextWriter output, string device)
    {
        double all = Math.Max(_totals.Values.Sum(t => t.Time.TotalMilliseconds), 1e-9);
        output.WriteLine($"kernel profile, {device} (MOE_VK_PROFILE=1: each dispatch alone, host clock)");
        output.WriteLine($"{"shader",-28} {"total ms",10} {"share",6} {"dispatches",10} {"ms each",9}");
        foreach (var (shader, (time, dispatches)) in _totals.OrderByDescending(t => t.Value.Time))
        {
            double ms = time.TotalMilliseconds;
            output.WriteLine($"{shader,-28} {ms,10:F1} {100 * ms / all,5:F1}% {dispatches,10} {ms / dispatches,9:F3}");
        }
    }
}
