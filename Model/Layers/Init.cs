// Weight initialisation of the model: every matrix N(0, initializer_range), norms at one, no
// biases — the paper's recipe (§4.1.2: "initialization standard deviation 0.006"). Seeded, so two
// runs with the same seed build the same model on any device. Each weight is drawn once, here
// (Linear and Embedding are built around it, not initialised and then overwritten).
// Argument order across Model: (..., backend, dtype), backend first because most callers name only it.
using MoeFromScratch.Autograd;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Layers;

public static class Init
{
    /// <summary>A bias-free Linear (in -> out) whose weight [out, in] is drawn N(0, std).</summary>
    public static Linear NormalLinear(int inFeatures, int outFeatures, double std, ulong seed, IBackend? backend = null, DType dtype = DType.Float32) =>
        new(Normal([outFeatures, inFeatures], std, seed, backend, dtype));

    /// <summary>A parameter of any shape drawn N(0, std): the stacked routed experts (E, in, out).</summary>
    public static Parameter Normal(int[] shape, double std, ulong seed, IBackend? backend = null, DType dtype = DType.Float32) =>
        new(Tensor.RandN(shape, seed, 0, std, dtype, backend));

    /// <summary>An Embedding (V, C) drawn N(0, std) instead of torch.nn.Embedding's N(0, 1).</summary>
    public static Embedding NormalEmbedding(int vocab, int dim, double std, ulong seed, IBackend? backend = null, DType dtype = DType.Float32) =>
        new(Normal([vocab, dim], std, seed, backend, dtype));
}
