// Argument checks shared by the ops: same backend, same dtype, live tensors. Messages name the op
// and the shapes involved so a mistake is found at the call, not deep inside a kernel.
namespace MoeFromScratch.Tensors;

public sealed partial class Tensor
{
    internal static void CheckCompatible(string op, Tensor a, Tensor b)
    {
        a.ThrowIfDisposed(op);
        b.ThrowIfDisposed(op);
        if (a.Backend != b.Backend)
            throw new ArgumentException($"{op}: tensors are on different devices ({a.Backend.Name} and {b.Backend.Name})");
        if (a.DType != b.DType)
            throw new ArgumentException($"{op}: dtypes differ ({a.DType.Name()} {Tensors.Shape.Format(a.Shape)} and {b.DType.Name()} {Tensors.Shape.Format(b.Shape)})");
    }

    internal static void CheckIndex(string op, Tensor x, Tensor index)
    {
        index.ThrowIfDisposed(op);
        if (index.DType != DType.Int32)
            throw new ArgumentException($"{op}: index must be int32, got {index.DType.Name()} {Tensors.Shape.Format(index.Shape)}");
        if (index.Backend != x.Backend)
            throw new ArgumentException($"{op}: index is on {index.Backend.Name}, data on {x.Backend.Name}");
    }

    internal void CheckRank(string op, int rank)
    {
        if (Rank != rank)
            throw new ShapeException($"{op}: expected a rank-{rank} tensor, got {Tensors.Shape.Format(Shape)}");
    }
}
