// Variable: a Tensor (Data) that knows how it was made, so gradients can flow back to it.
// Leaves are made by the user (inputs, parameters); every op on Variables returns a new Variable
// whose Node (see Tape.cs) remembers the op. Like a PyTorch tensor with requires_grad, minus the
// in-place ops: Variables are never mutated by ops, so no version counter is needed.
//
// Gradients: a leaf that requires grad owns a Grad buffer from construction, so the buffer lives as
// long as the leaf (outside any per-step TensorScope); Backward adds into it and ZeroGrad zeroes it
// (PyTorch's zero_grad(set_to_none=False)). Non-leaf Variables keep no Grad. The zero is deferred:
// ZeroGrad only marks the buffer, and the first gradient Backward brings is copied in (one pass)
// instead of being added to a freshly filled zero (two passes); reading Grad while it is still
// marked fills it then, so a reader always sees dL/dData summed since the last ZeroGrad.
// Known cost: a model built only for inference still holds a gradient buffer per parameter.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Autograd;

public partial class Variable : IDisposable
{
    /// <summary>A leaf. With requiresGrad, Backward accumulates dL/dData into Grad.</summary>
    public Variable(Tensor data, bool requiresGrad = false)
    {
        if (requiresGrad && !data.DType.IsFloatingPoint())
            throw new ArgumentException($"Variable: only floating-point tensors can require grad, got {data.DType.Name()} {Tensors.Shape.Format(data.Shape)}");
        Data = data;
        RequiresGrad = requiresGrad;
        if (requiresGrad) (_grad, _gradIsZero) = (Tensor.Empty(data.Shape, data.DType, data.Backend), true);
    }

    /// <summary>The output of a recorded op.</summary>
    internal Variable(Tensor data, Node node)
    {
        Data = data;
        Node = node;
        RequiresGrad = true;
    }

    public Tensor Data { get; private set; }

    private Tensor? _grad;
    private bool _gradIsZero;   // ZeroGrad (or construction) and no gradient since: _grad's bytes are stale, its value is 0

    /// <summary>dL/dData summed over every Backward since the last ZeroGrad; null unless this is a leaf that requires grad.</summary>
    public Tensor? Grad
    {
        get
        {
            if (_gradIsZero) FillDeferredZero();
            return _grad;
        }
    }

    /// <summary>True for leaves made with requiresGrad and for every output of a recorded op.</summary>
    public bool RequiresGrad { get; }

    /// <summary>The op that made this Variable; null for leaves.</summary>
    public Node? Node { get; }

    public bool IsLeaf => Node is null;
    public int[] Shape => Data.Shape;
    public int Rank => Data.Rank;
    public long Numel => Data.Numel;
    public DType DType => Data.DType;
    public IBackend Backend => Data.Backend;
    public int Size(int axis) => Data.Size(axis);
    public double Item() => Data.Item();

    /// <summary>Backpropagates from this Variable; a non-scalar needs a seed dL/dthis of its shape.</summary>
    public void Backward(Tensor? seed = null, bool retainGraph = false) => Tape.Backward(this, seed, retainGraph);

    /// <summary>The same data (shared storage, a new view) cut off from the graph; requires no grad.</summary>
    public Variable Detach() => new(Data.Alias());

    /// <summary>Sets Grad to zeros (no-op for Variables without one); the fill waits until something reads Grad before Backward writes it.</summary>
    public void ZeroGrad()
    {
        if (_grad is not null) _gradIsZero = true;
    }

    private void FillDeferredZero()
    {
        _grad!.Backend.Fill(_grad, 0);
        _gradIsZero = false;
    }

    /// <summary>Moves Data's values into buffer (a view of a flat weight buffer) and makes it Data; the old tensor is freed.</summary>
    internal void MoveDataTo(Tensor buffer)
    {
        var old = Data;
        CheckCanHold("MoveDataTo", buffer, old, "Data");
        buffer.Backend.Copy(old, buffer);
        Data = buffer;
        old.Dispose();
    }

    /// <summary>Makes buffer (a contiguous tensor of Grad's shape, dtype and backend) the Grad, holding the same value; the old buffer is freed (GradientBuffer.cs).</summary>
    internal void MoveGradTo(Tensor buffer)
    {
        var old = _grad ?? throw new InvalidOperationException($"MoveGradTo: {this} has no Grad");
        CheckCanHold("MoveGradTo", buffer, old, "Grad");
        if (!_gradIsZero) buffer.Backend.Copy(old, buffer);
        _grad = buffer;
        old.Dispose();
    }

    private void CheckCanHold(string op, Tensor buffer, Tensor old, string what)
    {
        if (!buffer.IsContiguous || !Tensors.Shape.SameShape(buffer.Shape, old.Shape) || buffer.DType != old.DType || buffer.Backend != old.Backend)
            throw new ArgumentException($"{op}: buffer {Tensors.Shape.Format(buffer.Shape)} {buffer.DType.Name()} on {buffer.Backend.Name} cannot hold the {what} of {this}");
    }

    /// <summary>Grad while it still stands for zero (a backward may write the first gradient straight into it), else null.</summary>
    internal Tensor? UnwrittenGrad => _gradIsZero ? _grad : null;

    /// <summary>A backward wrote the first gradient into UnwrittenGrad: it is now the value.</summary>
    internal void GradWritten() => _gradIsZero = false;

    internal void AccumulateGrad(Tensor g)
    {
        var grad = _grad ?? throw new InvalidOperationException($"Backward: leaf {Tensors.Shape.Format(Shape)} has no Grad to accumulate into");
        if (!g.Shape.AsSpan().SequenceEqual(grad.Shape))
            throw new ShapeException($"Backward: gradient {Tensors.Shape.Format(g.Shape)} for a leaf {Tensors.Shape.Format(grad.Shape)}");
        if (_gradIsZero) grad.Backend.Copy(g, grad);       // first gradient since ZeroGrad: written, not added to a zero fill
        else grad.Backend.Binary(BinaryOp.Add, grad, g, grad);   // in place: no parameter-sized temporary and copy
        _gradIsZero = false;
    }

    /// <summary>Releases Data and Grad. The graph keeps its own aliases, so this is safe before Backward.</summary>
    public void Dispose()
    {
        Data.Dispose();
        _grad?.Dispose();
        GC.SuppressFinalize(this);
    }

    public override string ToString() =>
        $"Variable{Tensors.Shape.Format(Shape)} {DType.Name()}{(Node is null ? RequiresGrad ? " leaf, requires grad" : "" : $" from {Node.Op}")}";
}
