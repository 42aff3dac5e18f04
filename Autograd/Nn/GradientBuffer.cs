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
// With weights: true (the optimizer's call) the parameters' Data move too, into a second flat buffer of
// the same layout, so that one AdamW dispatch can update a whole run of parameters (Train/Optim/AdamW.cs
// lays its moments out alike). Data is then a view of that buffer: code reads p.Data when it needs it
// and never keeps an older Data tensor.
// Not here: the optimizer's moments (AdamW allocates them), the order (the caller's).
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Autograd;

public static class GradientBuffer
{
    /// <summary>The most bytes one bucket holds (a Vulkan binding's guaranteed range is larger on every driver we target).</summary>
    public const long MaxBucketBytes = 64L << 20;

    /// <summary>Moves the parameters' gradients, in the order given, into flat buckets; returns how many buckets it made.</summary>
    public static int Pack(IEnumerable<Parameter> parameters, long maxBucketBytes = MaxBucketBytes, bool weights = false)
    {
        int buckets = 0;
        var distinct = parameters.Distinct().ToList();
        foreach (var group in distinct.GroupBy(p => (p.Backend, p.DType)))
        {
            var bucket = new List<Parameter>();
            long bytes = 0, elementBytes = group.Key.DType.SizeInBytes();
            foreach (var p in group.Where(p => p.Numel * elementBytes <= maxBucketBytes))
            {
                if (bytes + p.Numel * elementBytes > maxBucketBytes) { buckets += Fill(bucket, weights); (bucket, bytes) = ([], 0); }
                bucket.Add(p);
                bytes += p.Numel * elementBytes;
            }
            buckets += Fill(bucket, weights);
        }
        return buckets;
    }

    // One flat tensor for the bucket's gradients (and one for its weights); each Grad (Data) becomes the view of its span (the views hold the storage).
    private static int Fill(List<Parameter> bucket, bool weights)
    {
        if (bucket.Count < 2) return 0;       // one gradient is already one tensor
        long total = bucket.Sum(p => p.Numel);
        using var flatGrads = Tensor.Empty([(int)total], bucket[0].DType, bucket[0].Backend);
        using var flatWeights = weights ? Tensor.Empty([(int)total], bucket[0].DType, bucket[0].Backend) : null;
        int offset = 0;
        foreach (var p in bucket)
        {
            p.MoveGradTo(SpanOf(flatGrads, offset, p));
            if (flatWeights is not null) p.MoveDataTo(SpanOf(flatWeights, offset, p));
            offset += (int)p.Numel;
        }
        return 1;
    }

    /// <summary>The view of flat's elements [offset, offset + p.Numel) in p's shape (the caller owns it).</summary>
    public static Tensor SpanOf(Tensor flat, int offset, Parameter p)
    {
        using var span = flat.Narrow(0, offset, (int)p.Numel);
        return span.Reshape(p.Shape);
    }
}
