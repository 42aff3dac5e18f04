// Embedding: a (V, C) table whose rows are looked up by int32 ids. Initialised N(0, 1) like
// torch.nn.Embedding. The gradient of a lookup adds into the rows that were used (IndexAdd).
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Autograd;

public sealed class Embedding(int numEmbeddings, int embeddingDim, ulong seed = 0, DType dtype = DType.Float32, IBackend? backend = null) : Module
{
    public Parameter Weight { get; } = new(Tensor.RandN([numEmbeddings, embeddingDim], seed, 0, 1, dtype, backend));

    public Variable Forward(Tensor ids) => Functional.Embedding(ids, Weight); // (B, T) -> (B, T, C)
}
