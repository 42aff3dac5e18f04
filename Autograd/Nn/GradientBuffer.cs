// GradientBuffer: lays parameters' gradients out back to back in a few flat buffers ("buckets"), as
// Megatron-Core's and PyTorch DDP's contiguous gradient buffers do, so that whatever runs over all
// gradients (the global norm, the clip, a data-parallel all-reduce) can run over a bucket as one
// tensor, one pass, instead of one pass per parameter. Each Parameter's Grad becomes a view of its
// bucket; nothing else about it changes (it still reads as its own tensor of its own shape).
// Tensor.CoalesceViews finds the buckets again from a list of those views, so callers need not
// know that the gradients were packed.
// A bucket holds one (backend, dtype) and at most MaxBucketBytes: a Vulkan device binds at most
// maxStorageBufferRange bytes at once (128 MiB on some drivers), so one bucket must fit in a binding.
// A gradient larger than that keeps its own buffer.
// Not here: the parameters or the optimizer's moments themselves (they stay per tensor).
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Autograd;

public static class GradientBuffer
{
    /// <summary>The most bytes one bucket holds (a Vulkan binding's guaranteed range is larger on every driver we target).</summary>
    public const long MaxBucketBytes = 64L << 20;

    /// <summary>Moves the parameters' gradients, in the order given, into flat buckets; returns how many buckets it made.</summary>
    public static int Pack(IEnumerable<Parameter> parameters, long maxBucketBytes = MaxBucketBytes)
    {
        int buckets = 0;
        var distinct = parameters.Distinct().ToList();
        foreach (var group in distinct.GroupBy(p => (p.Backend, p.DType)))
        {
            var bucket = new List<Parameter>();
            long bytes = 0, elementBytes = group.Key.DType.SizeInBytes();
            foreach (var p in group.Where(p => p.Numel * elementBytes <= maxBucketBytes))
            {
                if (bytes + p.Numel * elementBytes > maxBucketBytes) { buckets += Fill(bucket); (bucket, bytes) = ([], 0); }
                bucket.Add(p);
                bytes += p.Numel * elementBytes;
            }
            buckets += Fill(bucket);
        }
        return buckets;
    }

    // One flat tensor for the bucket's parameters; each Grad becomes the view of its span (the views hold the storage).
    private static int Fill(List<Parameter> bucket)
    {
        if (bucket.Count < 2) return 0;       // one gradient is already one tensor
        long total = bucket.Sum(p => p.Numel);
        using var flat = Tensor.Empty([(int)total], bucket[0].DType, bucket[0].Backend);
        int offset = 0;
        foreach (var p in bucket)
        {
            using var span = flat.Narrow(0, offset, (int)p.Numel);
            p.MoveGradTo(span.Reshape(p.Shape));
            offset += (int)p.Numel;
        }
        return 1;
    }
}
