// HashRouter: the Hash Layer baseline (Roller et al. 2021; the paper's Table 1): every token goes
// to ONE routed expert chosen by a fixed hash of its token id, with gate 1. Nothing is learned, so
// there are no router weights, no scores and no balance loss.
// Not here: learned routing (Router.cs). The hash is splitmix64's finaliser of (layer, token id)
// mod E: deterministic across runs and devices, roughly uniform, and different in every layer.
using MoeFromScratch.Autograd;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Moe;

public static class HashRouter
{
    /// <summary>The routed expert of tokenId in layer (0..experts-1).</summary>
    public static int Expert(int tokenId, int layer, int experts)
    {
        ulong z = ((ulong)(uint)layer << 32 | (uint)tokenId) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) % (ulong)experts);
    }

    /// <summary>tokenIds (B, T) int32 -> indices (N, 1), gates (N, 1) of ones, no scores.</summary>
    public static Routing Route(Tensor tokenIds, int layer, int experts, int tokens, DType dtype, IBackend backend)
    {
        if (tokenIds.DType != DType.Int32 || tokenIds.Numel != tokens)
            throw new ShapeException($"HashRouter: token ids {tokenIds.DType.Name()} {Shape.Format(tokenIds.Shape)} must be int32 with one id per token ({tokens})");
        var ids = tokenIds.ToArray<int>();                                   // host read: the hash needs the ids
        var picked = Array.ConvertAll(ids, id => Expert(id, layer, experts));
        var indices = Tensor.FromArray(picked, [tokens, 1], backend);        // (N, 1)
        var gates = new Variable(Tensor.Ones([tokens, 1], dtype, backend));  // (N, 1) gate 1, no gradient
        return new Routing(gates, indices, null);
    }
}
