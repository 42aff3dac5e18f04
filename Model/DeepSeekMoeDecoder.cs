// DeepSeekMoeDecoder: the official DeepseekModel, i.e. everything between the token ids and
// lm_head: embed_tokens (V, C), the blocks, and the final RMSNorm. It exists as its own Module so
// that its parameters are named model.embed_tokens.weight, model.layers.{l}.…, model.norm.weight.
// Init: the embedding and every matrix N(0, initializer_range) (paper: 0.006), norms at one.
using MoeFromScratch.Autograd;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Model.Layers;
using MoeFromScratch.Model.Moe;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model;

public sealed class DeepSeekMoeDecoder : Module
{
    public DeepSeekMoeDecoder(MoeConfig config, ulong seed, IBackend backend, DType dtype, ExpertShards? shards = null)
    {
        double std = config.InitializerRange;
        EmbedTokens = Init.NormalEmbedding(config.VocabSize, config.HiddenSize, std, seed, backend, dtype);
        Layers = Enumerable.Range(0, config.NumHiddenLayers)
            .Select(l => new Block(config, l, std, seed + 1000 * (ulong)(l + 1), backend, dtype, shards)).ToList();
        Norm = new RmsNorm(config.HiddenSize, config.RmsNormEps, dtype, backend);
    }

    public Embedding EmbedTokens { get; }
    public IReadOnlyList<Block> Layers { get; }
    public RmsNorm Norm { get; }
}
