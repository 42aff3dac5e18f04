// Grad mode: whether ops on Variables record a graph, per thread, like torch.no_grad():
//   using (Grad.NoGrad()) { var logits = model.Forward(x); }   // inference: no nodes, nothing saved
// Named Grad, not Autograd, because inside MoeFromScratch.* the name Autograd means the namespace.
namespace MoeFromScratch.Autograd;

/// <summary>Grad mode: <c>using (Grad.NoGrad()) { ... }</c> runs ops without recording a graph.</summary>
public static class Grad
{
    [ThreadStatic] private static int _disabledDepth;

    public static bool IsEnabled => _disabledDepth == 0;

    public static IDisposable NoGrad()
    {
        _disabledDepth++;
        return new Restore();
    }

    private sealed class Restore : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            _disabledDepth--;
        }
    }
}
