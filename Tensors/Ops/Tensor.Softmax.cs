// Softmax and log-softmax. The backend works on the last axis; another axis is moved last,
// processed, and moved back.
namespace MoeFromScratch.Tensors;

public sealed partial class Tensor
{
    public Tensor Softmax(int axis = -1) => SoftmaxAlong(axis, log: false);
    public Tensor LogSoftmax(int axis = -1) => SoftmaxAlong(axis, log: true);

    private Tensor SoftmaxAlong(int axis, bool log)
    {
        string op = log ? "LogSoftmax" : "Softmax";
        ThrowIfDisposed(op);
        int a = Tensors.Shape.NormalizeAxis(op, axis, Math.Max(Rank, 1));
        if (Rank == 0)
            throw new ShapeException($"{op}: needs at least one axis, got a scalar");
        if (a == Rank - 1)
        {
            var y = Empty(Shape, DType, Backend);
            Backend.Softmax(this, y, log);
            return y;
        }
        using var moved = Transpose(a, -1);
        using var result = moved.SoftmaxAlong(-1, log);
        using var back = result.Transpose(a, -1);
        return back.Contiguous();
    }
}
