// Tape: reverse-mode automatic differentiation, define-by-run, in one file — the node an op
// records, the topological order, and Backward(). (Grad mode, which says whether to record, is Grad.cs.)
//
// It follows micrograd's engine.py (build the topological order, walk it backwards, each node adds
// its inputs' gradients) and Burn's burn-autodiff (gradients live ABOVE the backends: the Tensors
// project knows nothing of them; backward functions are written with the same eager Tensor ops).
//
// What it deliberately is not:
// - No higher-order gradients: backward functions run on raw Tensors, so they record nothing.
// - No in-place ops on Variables and no version counters. Mutating a Variable's Data (or a tensor
//   it shares storage with) while a graph holds it gives wrong gradients; the optimizer's in-place
//   update is safe because it runs after Backward has freed the graph.
//
// Lifetime (deterministic, no finaliser): a node owns aliases of its inputs' and output's data and
// any extra tensors its backward needs (top-k indices, RMSNorm's rstd). Backward frees each node
// right after using it, unless retainGraph is true, so those tensors go back to the backend then —
// even if the forward code already disposed the Variables. Gradients flowing between nodes are
// disposed as soon as they are consumed. The Variables themselves (Data, Grad) belong to whoever
// made them: dispose them, or make them inside a TensorScope.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Autograd;

/// <summary>
/// One backward function: the gradient of the output in, the gradient of each input out
/// (null where the input needs none; Needs(i) says which). Temporaries it makes are disposed for it.
/// </summary>
public delegate Tensor?[] BackwardFn(Tensor dy, Node node);

/// <summary>One input's gradient from the output's gradient; called only when that input needs one.</summary>
public delegate Tensor InputGradFn(Tensor dy, Node node);

/// <summary>What an op leaves on the tape: its inputs, the tensors its backward needs, and that backward.</summary>
public sealed class Node
{
    private readonly Variable[] _inputs;
    private BackwardFn? _backward;

    internal Node(string op, Variable[] inputs, Tensor y, Tensor[] saved, BackwardFn backward)
    {
        Op = op;
        _inputs = inputs;
        _backward = backward;
        X = inputs.Select(v => v.Data.Alias()).ToArray();
        Y = y.Alias();
        Saved = saved;
    }

    public string Op { get; }

    /// <summary>The inputs' data as they were in the forward pass (the node's own aliases).</summary>
    public Tensor[] X { get; }

    /// <summary>The output's data (the node's own alias).</summary>
    public Tensor Y { get; }

    /// <summary>Extra tensors the op saved for its backward (indices, rstd); the node owns them.</summary>
    public Tensor[] Saved { get; }

    public bool IsFreed => _backward is null;

    internal IReadOnlyList<Variable> Inputs => _inputs;

    public bool Needs(int input) => _inputs[input].RequiresGrad;

    /// <summary>"Mul (2, 3) x (3)": the op and its input shapes, for error messages.</summary>
    public override string ToString() => $"{Op} {string.Join(" x ", X.Select(x => Shape.Format(x.Shape)))}";

    private Tensor?[]? _destinations;

    /// <summary>
    /// Where input i's gradient may be written instead of returned as a new tensor: the Grad of a leaf
    /// that this node alone feeds and that holds no gradient yet (null otherwise). A backward that
    /// writes there returns that tensor; the engine then skips the copy into Grad.
    /// </summary>
    public Tensor? Destination(int input) => _destinations?[input];

    internal Tensor?[] Apply(Tensor dy, Tensor?[]? destinations = null)
    {
        var backward = _backward ?? throw FreedError();
        // Every temporary the backward makes is disposed here; only the gradients it returns survive.
        using var scope = new TensorScope();
        _destinations = destinations;
        Tensor?[] grads;
        try { grads = backward(dy, this); }
        finally { _destinations = null; }
        for (int i = 0; i < grads.Length; i++)
        {
            var g = grads[i];
            if (g is null || ReferenceEquals(g, destinations?[i])) continue;
            scope.Keep(g);
            if (ReferenceEquals(g, dy) || X.Contains(g) || Saved.Contains(g))
                throw new InvalidOperationException($"{Op} backward: returned a tensor it does not own; return a new tensor or view (the engine disposes it)");
            if (!Shape.SameShape(g.Shape, _inputs[i].Shape))
                throw new InvalidOperationException($"{Op} backward: gradient {Shape.Format(g.Shape)} for input {i} does not match its shape {Shape.Format(_inputs[i].Shape)}");
        }
        return grads;
    }

    internal InvalidOperationException FreedError() => new(
        $"Backward: the graph through {this} was already freed by an earlier Backward(); pass retainGraph: true to the first call to go through it twice");

    /// <summary>Lets go of everything saved; the node can no longer run backward.</summary>
    internal void Free()
    {
        _backward = null;
        foreach (var t in X) t.Dispose();
        foreach (var t in Saved) t.Dispose();
        Y.Dispose();
    }
}

public static class Tape
{
    /// <summary>True when an op on these inputs must record a node.</summary>
    public static bool ShouldRecord(IEnumerable<Variable> inputs) => Grad.IsEnabled && inputs.Any(v => v.RequiresGrad);

    /// <summary>
    /// Wraps an op's output y. If grad mode is on and some input requires grad, records a node
    /// whose backward returns every input's gradient; otherwise disposes saved and records nothing.
    /// The new Variable takes ownership of y; the node takes ownership of saved.
    /// </summary>
    public static Variable Record(string op, Tensor y, Variable[] inputs, Tensor[] saved, BackwardFn backward)
    {
        if (!ShouldRecord(inputs))
        {
            foreach (var t in saved) t.Dispose();
            return new Variable(y);
        }
        return new Variable(y, new Node(op, inputs, y, saved, backward));
    }

    /// <summary>Record with one gradient function per input, each called only if its input needs it.</summary>
    public static Variable Record(string op, Tensor y, Variable[] inputs, Tensor[] saved, params InputGradFn[] grads) =>
        Record(op, y, inputs, saved, (dy, node) =>
            grads.Select((grad, i) => node.Needs(i) ? grad(dy, node) : null).ToArray());

    public static Variable Record(string op, Tensor y, Variable[] inputs, params InputGradFn[] grads) =>
        Record(op, y, inputs, [], grads);

    /// <summary>
    /// Reverse-mode sweep from root: seed dL/droot (ones for a scalar), then visit the nodes in
    /// reverse topological order so each sees its complete output gradient before passing it on.
    /// Leaves that require grad add the result into their Grad.
    /// </summary>
    public static void Backward(Variable root, Tensor? seed = null, bool retainGraph = false)
    {
        if (!root.RequiresGrad)
            throw new InvalidOperationException($"Backward: the output {Shape.Format(root.Shape)} does not require grad (no input requires grad, or it was made under Grad.NoGrad())");
        if (seed is null && root.Data.Numel != 1)
            throw new InvalidOperationException($"Backward: the output of {root.Node?.Op ?? "a leaf"} has shape {Shape.Format(root.Shape)}, not a scalar; pass a seed gradient of that shape");
        if (seed is not null && !Shape.SameShape(seed.Shape, root.Shape))
            throw new ShapeException($"Backward: seed {Shape.Format(seed.Shape)} does not match the output of {root.Node?.Op ?? "a leaf"} {Shape.Format(root.Shape)}");

        var order = TopologicalOrder(root);
        var freed = order.LastOrDefault(v => v.Node is { IsFreed: true });
        if (freed is not null) throw freed.Node!.FreedError(); // before any gradient moves

        var grads = new Dictionary<Variable, Tensor>(ReferenceEqualityComparer.Instance)
        {
            [root] = seed?.Alias() ?? Tensor.OnesLike(root.Data),
        };
        var fedOnce = LeavesFedOnce(order);
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var v = order[i];
            if (!grads.Remove(v, out var dy)) continue; // nothing flowed into this one
            using (dy)
            {
                if (v.Node is null) { v.AccumulateGrad(dy); continue; }
                var inputs = v.Node.Inputs;
                var destinations = inputs.Select(x => fedOnce.Contains(x) ? x.UnwrittenGrad : null).ToArray();
                var inputGrads = v.Node.Apply(dy, destinations);
                for (int j = 0; j < inputGrads.Length; j++)
                {
                    if (inputGrads[j] is not { } g) continue;
                    if (ReferenceEquals(g, destinations[j])) inputs[j].GradWritten();   // written in place: nothing to add
                    else AddTo(grads, inputs[j], g);
                }
                if (!retainGraph) v.Node.Free();
            }
        }
    }

    private static void AddTo(Dictionary<Variable, Tensor> grads, Variable v, Tensor g)
    {
        if (!grads.TryGetValue(v, out var sum)) { grads[v] = g; return; }
        grads[v] = sum.Add(g);
        sum.Dispose();
        g.Dispose();
    }

    // Leaves that require grad and are an input of exactly one edge of the graph: their whole gradient
    // is that one node's, so the node may write it into their Grad directly (Node.Destination).
    private static HashSet<Variable> LeavesFedOnce(List<Variable> order)
    {
        var edges = new Dictionary<Variable, int>(ReferenceEqualityComparer.Instance);
        foreach (var v in order)
            if (v.Node is not null)
                foreach (var x in v.Node.Inputs)
                    if (x.IsLeaf && x.RequiresGrad) edges[x] = edges.GetValueOrDefault(x) + 1;
        return new HashSet<Variable>(edges.Where(e => e.Value == 1).Select(e => e.Key), ReferenceEqualityComparer.Instance);
    }

    // Depth-first, children before parents; only Variables that require grad are visited.
    private static List<Variable> TopologicalOrder(Variable root)
    {
        var order = new List<Variable>();
        var visited = new HashSet<Variable>(ReferenceEqualityComparer.Instance);
        void Visit(Variable v)
        {
            if (!v.RequiresGrad || !visited.Add(v)) return;
            if (v.Node is not null)
                foreach (var input in v.Node.Inputs) Visit(input);
            order.Add(v);
        }
        Visit(root);
        return order;
    }
}
