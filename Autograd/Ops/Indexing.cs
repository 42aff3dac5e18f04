// Indexing ops on Variables, for embeddings and MoE routing. Index tensors are int32 Tensors, not
// Variables: they are decisions, not differentiable. Each gather-like forward has the matching
// scatter-like backward and vice versa:
//   Gather      <->  ScatterAdd        (torch.gather / scatter_add_)
//   IndexSelect <->  IndexAdd          (torch.index_select / index_add_)
//   TopK values  ->  ScatterAdd of dy back to the winning positions (the indices get no gradient)
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Autograd;

public partial class Variable
{
    public Variable Gather(int axis, Tensor index) =>
        Tape.Record("Gather", Data.Gather(axis, index), [this], saved: [index.Alias()],
            (dy, n) => Tensor.ZerosLike(n.X[0]).ScatterAdd(axis, n.Saved[0], dy)); // every pick adds back where it came from

    /// <summary>Rows picked along axis by a 1-D index; an embedding lookup is weight.IndexSelect(0, ids).</summary>
    public Variable IndexSelect(int axis, Tensor index) =>
        Tape.Record("IndexSelect", Data.IndexSelect(axis, index), [this], saved: [index.Alias()],
            (dy, n) => Tensor.ZerosLike(n.X[0]).IndexAdd(axis, n.Saved[0], dy)); // repeated ids sum

    /// <summary>A copy of this with source scatter-added at index along axis.</summary>
    public Variable ScatterAdd(int axis, Tensor index, Variable source) =>
        Tape.Record("ScatterAdd", Data.ScatterAdd(axis, index, source.Data), [this, source], saved: [index.Alias()],
            (dy, n) => dy.Alias(),                      // y = x + scattered: x passes straight through
            (dy, n) => dy.Gather(axis, n.Saved[0]));    // each source element landed at one place

    /// <summary>A copy of this with source slices added at positions index along axis.</summary>
    public Variable IndexAdd(int axis, Tensor index, Variable source) =>
        Tape.Record("IndexAdd", Data.IndexAdd(axis, index, source.Data), [this, source], saved: [index.Alias()],
            (dy, n) => dy.Alias(),
            (dy, n) => dy.IndexSelect(axis, n.Saved[0]));

    /// <summary>The k largest along the last axis (sorted); values are differentiable, indices are not.</summary>
    public (Variable Values, Tensor Indices) TopK(int k)
    {
        var (values, indices) = Data.TopK(k);
        var v = Tape.Record("TopK", values, [this], saved: [indices.Alias()],
            (dy, n) => Tensor.ZerosLike(n.X[0]).ScatterAdd(-1, n.Saved[0], dy));
        return (v, indices);
    }
}
