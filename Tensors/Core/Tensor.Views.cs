// Views: new shapes and strides over the same storage, no copy (Reshape copies only when the
// strides cannot express the new shape). Each view holds its own reference to the storage.
namespace MoeFromScratch.Tensors;

public sealed partial class Tensor
{
    private Tensor View(int[] shape, long[] strides, long offset)
    {
        ThrowIfDisposed("view");
        Storage.Retain();
        return new Tensor(Storage, shape, strides, offset);
    }

    /// <summary>
    /// Contiguous tensors as few 1-D views as possible: consecutive entries that lie back to back in
    /// one storage (a packed gradient buffer) become one view of their span; any other entry becomes
    /// a 1-D view of itself. Same elements, same order, same storage (writes reach the originals);
    /// the caller owns the results.
    /// </summary>
    public static List<Tensor> CoalesceViews(IEnumerable<Tensor> tensors)
    {
        var runs = new List<(Tensor First, long Numel)>();
        foreach (var t in tensors)
        {
            t.ThrowIfDisposed("CoalesceViews");
            if (!t.IsContiguous) throw new ArgumentException($"CoalesceViews: a tensor {Tensors.Shape.Format(t.Shape)} is not contiguous");
            if (runs.Count > 0 && runs[^1] is var (first, numel)
                && ReferenceEquals(t.Storage, first.Storage) && t.Offset == first.Offset + numel && numel + t.Numel <= int.MaxValue)
                runs[^1] = (first, numel + t.Numel);
            else runs.Add((t, t.Numel));
        }
        return runs.Select(r => r.First.View([(int)r.Numel], [1], r.First.Offset)).ToList();
    }

    /// <summary>A new view of the whole tensor (shares storage); the caller owns it.</summary>
    public Tensor Alias() => View((int[])Shape.Clone(), (long[])Strides.Clone(), Offset);

    /// <summary>Same elements, new shape; one axis may be -1. Copies only if strides cannot express it.</summary>
    public Tensor Reshape(params int[] shape)
    {
        var target = InferShape(shape);
        if (Tensors.Shape.Numel(target) != Numel)
            throw new ShapeException($"Reshape: cannot view {Tensors.Shape.Format(Shape)} ({Numel} elements) as {Tensors.Shape.Format(shape)}");
        var strides = TryViewStrides(target);
        if (strides is not null) return View(target, strides, Offset);
        using var dense = Contiguous();
        return dense.Reshape(target);
    }

    private int[] InferShape(int[] shape)
    {
        var result = (int[])shape.Clone();
        int unknown = Array.IndexOf(result, -1);
        if (unknown >= 0)
        {
            long known = 1;
            for (int i = 0; i < result.Length; i++) if (i != unknown) known *= result[i];
            if (known == 0 || Numel % known != 0)
                throw new ShapeException($"Reshape: cannot infer -1 in {Tensors.Shape.Format(shape)} for {Numel} elements");
            result[unknown] = (int)(Numel / known);
        }
        if (result.Any(d => d < 0))
            throw new ShapeException($"Reshape: negative size in {Tensors.Shape.Format(shape)}");
        return result;
    }

    // Walks the old axes in groups whose product equals a run of new axes; each group must be
    // internally contiguous (stride[i] == stride[i+1] * size[i+1]) for a pure view to exist.
    private long[]? TryViewStrides(int[] target)
    {
        if (Numel == 0 || IsContiguous)
        {
            var contiguous = Tensors.Shape.ContiguousStrides(target);
            return contiguous;
        }
        var oldShape = Shape.Where(d => d != 1).ToArray();
        var oldStrides = Shape.Select((d, i) => (d, s: Strides[i])).Where(p => p.d != 1).Select(p => p.s).ToArray();
        var result = new long[target.Length];
        int o = 0, n = 0;
        while (n < target.Length)
        {
            if (target[n] == 1) { result[n] = 1; n++; continue; }
            long oldSize = oldShape[o], newSize = target[n];
            int groupStart = o, newStart = n;
            while (oldSize != newSize)
            {
                if (oldSize < newSize) oldSize *= oldShape[++o];
                else newSize *= target[++n];
            }
            for (int i = groupStart; i < o; i++)
                if (oldStrides[i] != oldStrides[i + 1] * oldShape[i + 1]) return null;
            long stride = oldStrides[o];
            for (int j = n; j >= newStart; j--)
            {
                result[j] = stride;
                stride *= target[j];
            }
            o++; n++;
        }
        return result;
    }

    public Tensor Flatten() => Reshape(-1);

    /// <summary>Reorders axes: result axis i is this tensor's axis order[i].</summary>
    public Tensor Permute(params int[] order)
    {
        if (order.Length != Rank || order.Select(a => Tensors.Shape.NormalizeAxis("Permute", a, Rank)).Distinct().Count() != Rank)
            throw new ShapeException($"Permute: order {Tensors.Shape.Format(order)} is not a permutation of {Rank} axes for {Tensors.Shape.Format(Shape)}");
        var axes = order.Select(a => Tensors.Shape.NormalizeAxis("Permute", a, Rank)).ToArray();
        return View(axes.Select(a => Shape[a]).ToArray(), axes.Select(a => Strides[a]).ToArray(), Offset);
    }

    public Tensor Transpose(int axis0, int axis1)
    {
        var order = Enumerable.Range(0, Rank).ToArray();
        int a = Tensors.Shape.NormalizeAxis("Transpose", axis0, Rank), b = Tensors.Shape.NormalizeAxis("Transpose", axis1, Rank);
        (order[a], order[b]) = (order[b], order[a]);
        return Permute(order);
    }

    /// <summary>The last two axes swapped (matrix transpose of every batch entry).</summary>
    public Tensor MT => Transpose(-2, -1);

    /// <summary>Elements start..start+length-1 along axis.</summary>
    public Tensor Narrow(int axis, int start, int length)
    {
        int a = Tensors.Shape.NormalizeAxis("Narrow", axis, Rank);
        if (start < 0 || length < 0 || start + length > Shape[a])
            throw new ShapeException($"Narrow: range [{start}, {start + length}) is outside axis {a} of size {Shape[a]} in {Tensors.Shape.Format(Shape)}");
        var shape = (int[])Shape.Clone();
        shape[a] = length;
        return View(shape, (long[])Strides.Clone(), Offset + start * Strides[a]);
    }

    /// <summary>Drops axis by taking element index along it.</summary>
    public Tensor Select(int axis, int index)
    {
        int a = Tensors.Shape.NormalizeAxis("Select", axis, Rank);
        if (index < 0 || index >= Shape[a])
            throw new ShapeException($"Select: index {index} is outside axis {a} of size {Shape[a]} in {Tensors.Shape.Format(Shape)}");
        return View(Shape.Where((_, i) => i != a).ToArray(), Strides.Where((_, i) => i != a).ToArray(), Offset + index * Strides[a]);
    }

    /// <summary>Broadcast view: size-1 axes (and new leading axes) repeat with stride 0.</summary>
    public Tensor Expand(params int[] shape)
    {
        if (shape.Length < Rank)
            throw new ShapeException($"Expand: cannot expand {Tensors.Shape.Format(Shape)} to fewer axes {Tensors.Shape.Format(shape)}");
        int lead = shape.Length - Rank;
        var strides = new long[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            if (i < lead) { strides[i] = 0; continue; }
            int d = Shape[i - lead];
            if (d == shape[i]) strides[i] = Strides[i - lead];
            else if (d == 1) strides[i] = 0;
            else throw new ShapeException($"Expand: cannot expand {Tensors.Shape.Format(Shape)} to {Tensors.Shape.Format(shape)} (axis {i}: {d} is not 1)");
        }
        return View((int[])shape.Clone(), strides, Offset);
    }

    public Tensor Unsqueeze(int axis)
    {
        int a = Tensors.Shape.NormalizeAxis("Unsqueeze", axis, Rank + 1);
        var shape = Shape.ToList();
        var strides = Strides.ToList();
        shape.Insert(a, 1);
        strides.Insert(a, a < Rank ? Strides[a] * Shape[a] : 1);
        return View([.. shape], [.. strides], Offset);
    }

    /// <summary>Removes the given size-1 axis.</summary>
    public Tensor Squeeze(int axis)
    {
        int a = Tensors.Shape.NormalizeAxis("Squeeze", axis, Rank);
        if (Shape[a] != 1)
            throw new ShapeException($"Squeeze: axis {a} of {Tensors.Shape.Format(Shape)} has size {Shape[a]}, expected 1");
        return View(Shape.Where((_, i) => i != a).ToArray(), Strides.Where((_, i) => i != a).ToArray(), Offset);
    }

    /// <summary>This tensor if already contiguous (as a new view), else a dense copy.</summary>
    public Tensor Contiguous()
    {
        if (IsContiguous) return Alias();
        var y = Empty(Shape, DType, Backend);
        Backend.Copy(this, y);
        return y;
    }
}
