// Embedding: a (V, C) table whose rows are looked up by int32 ids. Initialised N(0, 1) like
// torch.nn.Embedding, or around a table the caller drew itself (Model/Layers/Init.cs), drawn once.
// The gradient of a lookup adds into the rows that were used (IndexAdd).
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Autograd;

public sealed class Embedding : Module
{
    public Embedding(int numEmbeddings, int embeddingDim, ulong seed = 0, DType dtype = DType.Float32, IBackend? backend = null)
        : this(new Parameter(Tensor.RandN([numEmbeddings, embeddingDim], seed, 0, 1, dtype, backend)))
    {
    }

    /// <summary>An Embedding around a (V, C) table its caller initialised.</summary>
    public Embedding(Parameter weight) => Weight = weight;

    public Parameter Weight { get; }

    /// <summary>(B, T) -> (B, T, C) in the compute dtype: the rows picked first, then cast (the same
    /// values as casting the table, without a pass over all V rows).</summary>
    public Variable Forward(Tensor ids) => ComputePrecision.Cast(Functional.Embedding(ids, Weight));
}
