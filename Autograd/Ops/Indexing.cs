// Indexing ops on Variables, for embeddings and MoE routing. Index tensors are int32 Tensors, not
// Variables: they are decisions, not differentiable. Each gather-like forward has the matching
// scatter-like backward and vice versa:
//   Gather      <->  ScatterAdd        (torch.gather / scatter_add_)
//   IndexSelect <->  IndexAdd          (torch.index_select / index_add_)
//   SelectRows  ->   a gather by the known inverse (plus a sum over copies): a scatter done as a gather
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

    /// <summary>
    /// Rows picked along axis 0, y[i] = x[index[i]], where every row of x is picked exactly `copies`
    /// times and inverse lists where: row r's copies sit at y rows inverse[r·copies .. r·copies + copies).
    /// Forward it is IndexSelect(0, index); the backward, though, is a gather plus a sum over the
    /// copies, dx[r] = Σ_c dy[inverse[r·copies + c]], instead of a scatter-add, so it costs one pass
    /// over y on every backend with no search for the rows that came from each r. With copies = 1
    /// index is a permutation and inverse its inverse. The caller vouches for the two (the MoE
    /// dispatch builds both on the host); only their sizes are checked.
    /// </summary>
    public Variable SelectRows(Tensor index, Tensor inverse, int copies = 1)
    {
        long picked = (long)Shape[0] * copies;
        if (copies < 1 || index.Rank != 1 || inverse.Rank != 1 || index.Shape[0] != picked || inverse.Shape[0] != picked)
            throw new ShapeException($"SelectRows: index {Tensors.Shape.Format(index.Shape)} and inverse {Tensors.Shape.Format(inverse.Shape)} must both be ({picked}): {copies} (copies, at least 1) per row of x {Tensors.Shape.Format(Shape)}");
        return Tape.Record("SelectRows", Data.IndexSelect(0, index), [this], saved: [inverse.Alias()], (dy, n) =>
        {
            var back = dy.IndexSelect(0, n.Saved[0]);                                   // row r's copies, side by side
            return copies == 1 ? back : back.Reshape([n.X[0].Shape[0], copies, .. n.X[0].Shape[1..]]).Sum([1]);
        });
    }

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
