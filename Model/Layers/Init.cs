// Weight initialisation of the model: every matrix N(0, initializer_range), norms at one, no
// biases — the paper's recipe (§4.1.2: "initialization standard deviation 0.006"). Seeded, so two
// runs with the same seed build the same model on any device.
using MoeFromScratch.Autograd;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Layers;

public static class Init
{
    /// <summary>A bias-free Linear (in -> out) whose weight [out, in] is drawn N(0, std).</summary>
    public static Linear NormalLinear(int inFeatures, int outFeatures, double std, ulong seed, IBackend? backend = null)
    {
        var linear = new Linear(inFeatures, outFeatures, bias: false, seed, DType.Float32, backend);
        linear.Weight.Data.Backend.RandomNormal(linear.Weight.Data, seed, 0, std);
        return linear;
    }
}
