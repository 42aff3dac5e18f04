// PeakMemory: the process's peak resident set (VmHWM in /proc/self/status, Linux only), and an
// estimate of what training a model must hold: parameters, their gradients, AdamW's two moments
// (4 bytes each per float32 parameter, so 16 bytes a parameter), plus the activations the autograd
// tape keeps from the forward pass for the backward pass (ActivationEstimate).
// Not a measurement of live tensors: RSS also holds the runtime, the JIT's code and the managed heap,
// and the CPU allocator's cache of freed blocks (Bench/TensorMemory.cs counts the tensors themselves).
namespace MoeFromScratch.Train.Bench;

public sealed record MemoryEstimate(long ParameterBytes, long GradientBytes, long OptimizerBytes, long ActivationBytes)
{
    public long Total => ParameterBytes + GradientBytes + OptimizerBytes + ActivationBytes;

    public static MemoryEstimate For(long parameters, long activationBytes) =>
        new(4 * parameters, 4 * parameters, 2 * 4 * parameters, activationBytes);
}

public static class PeakMemory
{
    /// <summary>VmHWM in bytes, or null where /proc/self/status has none (not Linux).</summary>
    public static long? PeakRssBytes() => StatusField("VmHWM:");

    private static long? StatusField(string name)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return null;
        foreach (var line in File.ReadLines(status))
        {
            if (!line.StartsWith(name, StringComparison.Ordinal)) continue;
            var parts = line[name.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts is [var kb, "kB"] && long.TryParse(kb, out long k) ? k * 1024 : null;
        }
        return null;
    }
}
