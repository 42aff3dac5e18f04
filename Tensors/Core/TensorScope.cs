// TensorScope: deterministic lifetime for temporaries, like TorchSharp's DisposeScope.
//
//   using (var scope = new TensorScope())
//   {
//       var y = a.MatMul(b).Add(c);   // every tensor made here is tracked
//       result = scope.Keep(y);        // survives; it moves to the enclosing scope (if any)
//   }                                  // everything else is disposed here
//
// Scopes nest per thread. Tensors made outside any scope are owned by whoever made them; a cache
// that a kernel builds in the middle of a step and keeps for later steps is made under Suspend().
namespace MoeFromScratch.Tensors;

public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _current;

    private readonly TensorScope? _outer;
    private readonly HashSet<Tensor> _tracked = new(ReferenceEqualityComparer.Instance);
    private bool _disposed;

    public TensorScope()
    {
        _outer = _current;
        _current = this;
    }

    /// <summary>Number of tensors this scope will dispose (tests use it).</summary>
    public int TrackedCount => _tracked.Count;

    internal static void Register(Tensor tensor) => _current?._tracked.Add(tensor);

    /// <summary>Removes the tensor from this scope so it outlives it; the enclosing scope adopts it.</summary>
    public Tensor Keep(Tensor tensor)
    {
        _tracked.Remove(tensor);
        _outer?._tracked.Add(tensor);
        return tensor;
    }

    /// <summary>Until the result is disposed, no scope on this thread tracks new tensors (a long-lived cache made mid-step).</summary>
    public static IDisposable Suspend()
    {
        var suspended = _current;
        _current = null;
        return new Resumption(suspended);
    }

    private sealed class Resumption(TensorScope? suspended) : IDisposable
    {
        public void Dispose() => _current = suspended;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_current != this)
            throw new InvalidOperationException("TensorScope: scopes must be disposed in reverse order of creation");
        _current = _outer;
        foreach (var tensor in _tracked) tensor.Dispose();
        _tracked.Clear();
    }
}
