// IndexRange: the one check every indexing kernel makes on a value read from an index tensor
// (gather, index-select, scatter-add, index-add, cross-entropy targets, group offsets).
// Index tensors are data, not code, so a bad value is reported as an argument error naming the
// op, the value and the axis it missed — never as a silent out-of-bounds read. Negative indices
// are not wrapped (unlike Python): they are errors here.
namespace MoeFromScratch.Tensors;

public static class IndexRange
{
    /// <summary>Returns index if 0 ≤ index &lt; size, else throws IndexRangeException.</summary>
    public static int Check(string op, int index, int axis, int size)
    {
        if (index < 0 || index >= size)
            throw new IndexRangeException($"{op}: index {index} is out of range for axis {axis} of size {size}");
        return index;
    }
}

/// <summary>An index tensor held a value outside the axis it indexes; the message names op, value and size.</summary>
public sealed class IndexRangeException(string message) : ArgumentException(message);
