// ComputePrecision: the dtype the layers compute in while a forward runs, where it differs from the
// dtype the parameters are stored in — mixed precision: float32 master weights (and AdamW's state),
// the forward and the backward in bfloat16. A model opens a scope around its forward (Use); each
// module reads its weights through Cast, which records a cast to the compute dtype on the tape, so
// the weight's gradient comes back through that cast widened into the master's float32 Grad
// (Variable.Cast). Outside a scope, or for a tensor already in the compute dtype, Cast returns its
// argument: the fp32 and fp64 paths record nothing extra.
// Per thread: a forward records on one thread (the kernels' worker threads record nothing).
// Not here: what a model keeps in float32 on purpose (the router, the losses: Model/Config/Precision.cs).
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Autograd;

public static class ComputePrecision
{
    [ThreadStatic] private static DType? _current;

    /// <summary>The compute dtype of the innermost open scope on this thread; null outside any.</summary>
    public static DType? Current => _current;

    /// <summary>Layers compute in dtype until the returned scope is disposed (scopes nest).</summary>
    public static Scope Use(DType dtype)
    {
        var scope = new Scope(_current);
        _current = dtype;
        return scope;
    }

    /// <summary>x in the compute dtype (a recorded cast), or x itself outside a scope or when it already is.</summary>
    public static Variable Cast(Variable x) => _current is DType dtype && x.DType != dtype ? x.Cast(dtype) : x;

    /// <summary>The dtype of what stays wide whatever the compute dtype (router scores, losses):
    /// float64 for float64 models, float32 otherwise.</summary>
    public static DType Wide(DType dtype) => dtype == DType.Float64 ? DType.Float64 : DType.Float32;

    /// <summary>Restores the enclosing scope's dtype when disposed.</summary>
    public readonly struct Scope(DType? previous) : IDisposable
    {
        public void Dispose() => _current = previous;
    }
}
