// GpuOutOfMemoryException: the GPU cannot hold what the run asks of it, a user-fixable limit, not a
// bug. The message says how much was needed, how much is already held, and what to shrink. It is
// not the CLR's OutOfMemoryException (host memory), which stays a crash.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu.Runtime;

public sealed class GpuOutOfMemoryException(string message) : MoeUserException(UserErrorKind.Device, message)
{
    internal const string Advice = "reduce --batch or --seq or the model size";

    /// <summary>The pool could not get a block of `requested` bytes with `inUse` bytes of tensors live and `reserved` held.</summary>
    internal static GpuOutOfMemoryException ForPool(string device, long requested, long inUse, long reserved, string why) =>
        new($"{device}: out of GPU memory: needed {Size(requested)} more with {Size(inUse)} in use by tensors " +
            $"({Size(reserved)} reserved) ({why}); {Advice}");

    internal static string Size(long bytes) => bytes >= 1L << 20 ? $"{bytes / (double)(1L << 20):F1} MiB ({bytes} bytes)" : $"{bytes} bytes";
}
