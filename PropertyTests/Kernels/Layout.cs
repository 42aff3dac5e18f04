// Layout: how a kernel input is laid out in memory. Kernels must give the same answer for every
// layout, so the parity suite draws one per input: the same values, seen through different strides.
// It deliberately covers only the layouts the ops produce (views), not arbitrary stride sets.

namespace MoeFromScratch.PropertyTests.Kernels;

public enum Layout
{
    /// <summary>Row-major, no gaps.</summary>
    Contiguous,
    /// <summary>All axes reversed in memory (a permute view): no axis has stride 1 unless rank ≤ 1.</summary>
    Transposed,
    /// <summary>A window into a larger tensor: every axis has a margin, so offset ≠ 0 and rows have gaps.</summary>
    Narrowed,
    /// <summary>First and last axes broadcast with stride 0 (an expand view of size-1 axes).</summary>
    Expanded,
}

public static class Layouts
{
    /// <summary>The shape to allocate so that View(base, shape) has exactly shape.</summary>
    public static int[] BaseShape(this Layout layout, int[] shape) => layout switch
    {
        Layout.Transposed => [.. shape.Reverse()],
        Layout.Narrowed => [.. shape.Select(d => d + 2)],
        Layout.Expanded => [.. shape.Select((d, axis) => axis == 0 || axis == shape.Length - 1 ? 1 : d)],
        _ => shape,
    };

    /// <summary>A view of base, of the given shape, with this layout's strides. The caller owns it.</summary>
    public static Tensor View(this Layout layout, Tensor source, int[] shape)
    {
        switch (layout)
        {
            case Layout.Transposed:
                return source.Permute([.. Enumerable.Range(0, shape.Length).Reverse()]);
            case Layout.Expanded:
                return source.Expand(shape);
            case Layout.Narrowed:
                var view = source.Alias();
                for (int axis = 0; axis < shape.Length; axis++)
                {
                    var inner = view.Narrow(axis, 1, shape[axis]);
                    view.Dispose();
                    view = inner;
                }
                return view;
            default:
                return source.Alias();
        }
    }
}

/// <summary>The float types a property may draw; Float64 and BFloat16 fall back to Float32 on a backend without them.</summary>
public enum FloatType { Float32, Float64, BFloat16 }

/// <summary>Every dtype the kernels take.</summary>
public enum ElementType { Float32, Float64, Int32, BFloat16 }
