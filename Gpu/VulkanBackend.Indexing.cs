// Indexing kernels for embeddings and MoE routing: Gather and IndexSelect (Shaders/gather.comp),
// ScatterAdd and IndexAdd (scatter_add.comp), SortByExpert (bucket_by_destination.comp and
// invert_permutation.comp); TopK is in VulkanBackend.TopK.cs. The host only rearranges strides so that each pair shares one shader: IndexSelect is a gather whose index is broadcast over the
// other axes; IndexAdd is a scatter-add whose index is, with the index bucketed by destination on
// the device first (bucket_by_destination.comp: no read-back) so that each destination reads only its
// own sources (see scatter_add.comp).
// Out-of-range indices are not reported (a shader cannot throw): gathers read 0, scatters skip.
using MoeFromScratch.Gpu.Kernels;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Gpu;

public sealed partial class VulkanBackend
{
    private const int ScatterRank = 5;

    public void Gather(Tensor x, int axis, Tensor index, Tensor y) =>
        GatherAlong("Gather", x, axis, index.Strides, index, y);

    public void IndexSelect(Tensor x, int axis, Tensor index, Tensor y)
    {
        var indexStrides = new long[y.Rank];
        indexStrides[axis] = index.Strides[0];             // index[j] for every position of the other axes
        GatherAlong("IndexSelect", x, axis, indexStrides, index, y);
    }

    private void GatherAlong(string name, Tensor x, int axis, long[] indexStrides, Tensor index, Tensor y)
    {
        if (MixesBf16(x, y)) { Bf16Widening.Run("rw", [x, y], (this, name, axis, indexStrides, index), static (t, s) => s.Item1.GatherAlong(s.name, t[0], s.axis, s.indexStrides, s.index, t[1])); return; }
        if (y.Numel == 0) return;
        var xStrides = (long[])x.Strides.Clone();
        xStrides[axis] = 0;                                 // the axis coordinate comes from the index
        var layout = StridedLayout.Coalesce(name, y.Shape, xStrides, indexStrides);
        var push = new PushConstants()
            .U(y.Numel).U((uint)layout.Rank)
            .Ints(layout.Shape, StridedLayout.MaxRank)
            .U(x.Offset).U(index.Offset).U(y.Offset)
            .Ints(layout.Strides[0], StridedLayout.MaxRank)
            .Ints(layout.Strides[1], StridedLayout.MaxRank)
            .U(x.Strides[axis]).U((uint)x.Shape[axis]);
        Dispatch(Kernel(Variant("gather", y), 3, ElementwiseGroupSize), [Read(x), Read(index), Write(y)], push, GroupsFor(y.Numel, ElementwiseGroupSize), label: "gather");
    }

    public void ScatterAdd(Tensor y, int axis, Tensor index, Tensor source)
    {
        if (Bf16Widening.Applies(y, source)) { Bf16Widening.Run("urr", [y, index, source], (this, axis), static (t, s) => s.Item1.ScatterAdd(t[0], s.axis, t[1], t[2])); return; }
        // Destinations p run over the index's extent on the other axes (it may be smaller than y's).
        var others = Enumerable.Range(0, y.Rank).Where(d => d != axis).ToArray();
        ScatterAlong("ScatterAdd", y, axis, index, source, others.Select(d => index.Shape[d]).ToArray(),
            others.Select(d => index.Strides[d]).ToArray(), index.Strides[axis], index.Shape[axis]);
    }

    public void IndexAdd(Tensor y, int axis, Tensor index, Tensor source)
    {
        if (Bf16Widening.Applies(y, source)) { Bf16Widening.Run("urr", [y, index, source], (this, axis), static (t, s) => s.Item1.IndexAdd(t[0], s.axis, t[1], t[2])); return; }
        CheckFloat32("IndexAdd", y, source);
        if (y.Numel == 0 || index.Numel == 0) return;
        var others = Enumerable.Range(0, y.Rank).Where(d => d != axis).ToArray();
        var (start, list) = BucketByDestination(index, y.Shape[axis]);
        using (start)
        using (list)
        {
            ScatterAlong("IndexAdd", y, axis, index, source, others.Select(d => y.Shape[d]).ToArray(),
                new long[others.Length], index.Strides[0], index.Shape[0], (start, list));
        }
    }

    /// <summary>
    /// A stable counting sort of a 1-D index by destination, on the device (Shaders/bucket_by_destination.comp;
    /// nothing is read back): list[start[d] .. start[d+1]) holds, ascending, the j with index[j] = d.
    /// Out-of-range entries land in no bucket, so they add nothing, as the scanning kernel's do.
    /// </summary>
    private (Tensor Start, Tensor List) BucketByDestination(Tensor index, int size)
    {
        var start = Tensor.Empty([size + 1], DType.Int32, this);
        var list = Tensor.Empty([Math.Max(1, index.Shape[0])], DType.Int32, this);        // never an empty buffer
        BucketByDestination(index, start, list);
        return (start, list);
    }

    /// <summary>Into start (size + 1) and list (at least L): five dispatches, a zero fill of start, then count, scan, place and order.</summary>
    private void BucketByDestination(Tensor index, Tensor start, Tensor list)
    {
        const uint ScanGroup = 256;   // the shader's SCAN_GROUP: its scan runs in one workgroup of this many
        int length = index.Shape[0], size = start.Shape[0] - 1;
        Fill(start, 0);
        using var cursor = Tensor.Empty([Math.Max(1, size)], DType.Int32, this);
        var push = new PushConstants().U((uint)length).U(index.Offset).U(index.Strides[0]).U((uint)size);
        Runtime.Binding[] bindings = [Read(index), Write(start), Write(cursor), Write(list)];
        void Phase(uint phase, uint groups) => Dispatch(Kernel("bucket_by_destination", 4, ScanGroup, phase), bindings, push, groups);
        Phase(0, GroupsFor(length, ScanGroup));      // count
        Phase(1, 1);                                 // scan (one workgroup)
        Phase(2, GroupsFor(length, ScanGroup));      // place
        Phase(3, GroupsFor(size, ScanGroup));        // order each bucket
    }

    /// <summary>The dispatch plan on the device: the assignments bucketed by expert, then inverted (invert_permutation.comp).</summary>
    public void SortByExpert(Tensor indices, Tensor offsets, Tensor slot, Tensor position, Tensor token)
    {
        int A = (int)indices.Numel, K = indices.Shape[1];
        if (A == 0)
        {
            Fill(offsets, 0);
            return;
        }
        using var dense = Dense(indices);
        using var flat = dense.Reshape(A);                                                  // a = n·K + k
        BucketByDestination(flat, offsets, slot);
        var push = new PushConstants().U((uint)A).U((uint)K);
        Dispatch(Kernel("invert_permutation", 3, ElementwiseGroupSize), [Read(slot), Write(position), Write(token)], push, GroupsFor(A, ElementwiseGroupSize));
    }

    // The p axes (other than `axis`) are coalesced across y, index and source; y's axis is
    // appended last and never merged, since the shader needs its coordinate d.
    private void ScatterAlong(string name, Tensor y, int axis, Tensor index, Tensor source,
        int[] otherShape, long[] indexOtherStrides, long indexAxisStride, int length, (Tensor Start, Tensor List)? buckets = null)
    {
        CheckFloat32(name, y, source);
        long count = Shape.Numel(otherShape) * y.Shape[axis];
        if (count == 0 || length == 0) return;
        var others = Enumerable.Range(0, y.Rank).Where(d => d != axis).ToArray();
        var layout = StridedLayout.Coalesce(name, otherShape,
            others.Select(d => y.Strides[d]).ToArray(), indexOtherStrides, others.Select(d => source.Strides[d]).ToArray());
        int rank = layout.Shape.Length == 1 && layout.Shape[0] == 1 ? 0 : layout.Rank;   // a lone size-1 axis adds nothing
        if (rank + 1 > ScatterRank)
            throw new NotSupportedException($"{name}: {Shape.Format(y.Shape)} needs {rank + 1} axes after merging; the Vulkan kernel takes {ScatterRank}");
        var push = new PushConstants()
            .U(count).U((uint)(rank + 1))
            .Ints([.. layout.Shape[..rank], y.Shape[axis]], ScatterRank)
            .U(y.Offset).U(index.Offset).U(source.Offset)
            .Ints([.. layout.Strides[0][..rank], (int)y.Strides[axis]], ScatterRank)
            .Ints([.. layout.Strides[1][..rank], 0], ScatterRank)
            .Ints([.. layout.Strides[2][..rank], 0], ScatterRank)
            .U(indexAxisStride).U(source.Strides[axis]).U((uint)length);
        // Without buckets the two list bindings are bound to the index: unread, but the shader declares them.
        var (start, list) = buckets ?? (index, index);
        Dispatch(Kernel("scatter_add", 5, ElementwiseGroupSize, buckets is null ? 0u : 1u),
            [Write(y), Read(index), Read(source), Read(start), Read(list)], push, GroupsFor(count, ElementwiseGroupSize));
    }
}
