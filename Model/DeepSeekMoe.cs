// DeepSeekMoe: the whole language model, read top-down like nanoGPT's GPT and laid out like the
// official DeepseekForCausalLM, so NamedParameters() gives the official checkpoint names:
//   model.embed_tokens → model.layers[l] (Block: pre-norm attention, then MoE or dense FFN) →
//   model.norm → lm_head (untied)
// The one exception: a MoE layer stores its routed experts stacked, (E, C, I) per projection,
// under mlp.experts_{gate,up,down}_proj; their mapping to the official per-expert
// mlp.experts.{e}.*.weight [out, in] lives in Moe/StackedExperts.cs (Checkpoint/ModelWeights.cs
// applies it when saving and loading).
// Forward gives the logits, the LM loss (mean next-token cross-entropy), each MoE layer's balance
// loss and routing, and the training objective LM + Σ_layers aux_l (a SUM over layers, eq. 12).
// Works in float32 or float64 on any backend; float64 on the CPU is what the parity tests use. With a
// compute dtype other than the weights' (bf16 over float32 masters: Config/Precision.cs) the forward
// runs in a ComputePrecision scope: the layers read their weights cast to it, the activations and
// their gradients are in it, the router works in float32 (Moe/Router.cs), and the cross-entropy reads
// bf16 logits but computes and returns float32 losses, so the losses are float32 sums (also for a
// model whose weights are bf16, inference's half-memory path).
// Shape letters (B, T, C, NH, HS, V, N = B·T, E, S, K, I): docs/architecture.md, "Shape letters".
//
// Reading order, from Tensor to this file (docs/architecture.md, "Reading the model"):
//   1. Tensors/Core/Tensor.cs, Tensor.Views.cs     a tensor: shape, strides, offset over a Storage
//   2. Tensors/Backends/IBackend.cs, Tensors/Reference/   the kernel list and its readable spec
//   3. Autograd/Engine/Variable.cs, Tape.cs, Grad.cs  a Variable records ops; Backward() walks the tape
//   4. Autograd/Ops/ (Functional.cs first)            each op's backward beside its forward
//   5. Autograd/Nn/Module.cs, Parameter.cs, Linear.cs, Embedding.cs, RmsNorm.cs   PyTorch-shaped modules
//   6. Model/Config/MoeConfig.cs, MoePresets.cs       every number of the architecture
//   7. Model/Layers/Init.cs, CausalMask.cs, Attention.cs (KvCache.cs), Expert.cs   norm → attention → FFN
//   8. Model/Moe/Router.cs (HashRouter.cs), ExpertDispatch.cs, StackedExperts.cs, BalanceLoss.cs,
//      MoeLayer.cs (MoeOutput.cs)                      the MoE layer, eq. 9-14
//   9. Model/Layers/Block.cs                          pre-norm attention + MoE or dense FFN
//  10. Model/DeepSeekMoeDecoder.cs, then this file (DeepSeekMoeOutput.cs)   embed → blocks → norm → lm_head
//  11. Model/Checkpoint/ModelWeights.cs               the model to and from an HF folder
using MoeFromScratch.Autograd;
using MoeFromScratch.Distributed;
using MoeFromScratch.Model.Config;
using MoeFromScratch.Model.Layers;
using MoeFromScratch.Model.Moe;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model;

public sealed class DeepSeekMoe : Module, IDisposable
{
    private readonly CausalMask _mask;   // shared by every layer's attention

    /// <summary>The causal mask every layer's attention reads (sized by the longest forward so far).</summary>
    public CausalMask Mask => _mask;

    /// <summary>expertParallel: the world whose ranks split the routed experts (ExpertShards); null: every rank holds all.</summary>
    /// <summary>compute: the dtype the forward and backward run in (default dtype, the weights').</summary>
    public DeepSeekMoe(MoeConfig config, ulong seed = 1337, IBackend? backend = null, DType dtype = DType.Float32, ICommunicator? expertParallel = null,
        DType? compute = null)
    {
        config.Validate("DeepSeekMoe");
        Config = config;
        Backend = backend ?? Device.Cpu;
        DType = dtype;
        ComputeDType = compute ?? dtype;
        ExpertShards = expertParallel is null ? null : new ExpertShards(expertParallel, config.NRoutedExperts);
        Decoder = new DeepSeekMoeDecoder(config, seed, Backend, dtype, ExpertShards);
        LmHead = Init.NormalLinear(config.HiddenSize, config.VocabSize, config.InitializerRange, seed + 2, Backend, dtype);
        _mask = new CausalMask(config.MaxPositionEmbeddings, Backend, ComputeDType);
    }

    public MoeConfig Config { get; }
    public IBackend Backend { get; }
    public DType DType { get; }

    /// <summary>The dtype of the activations and gradients (the weights are read cast to it).</summary>
    public DType ComputeDType { get; }

    /// <summary>The routed experts this rank holds under expert parallelism; null when it holds them all.</summary>
    public ExpertShards? ExpertShards { get; }

    /// <summary>The parameters only this rank holds (its experts' stacks, every MoE layer); empty without expert parallelism.</summary>
    public IEnumerable<Parameter> ShardedParameters() =>
        Decoder.Layers.Select(b => b.Moe).OfType<MoeLayer>().SelectMany(m => m.ShardedParameters());

    /// <summary>The official DeepseekModel: embed_tokens, layers, norm (named "model").</summary>
    [StateName("model")]
    public DeepSeekMoeDecoder Decoder { get; }

    /// <summary>(V, C) untied output projection.</summary>
    public Linear LmHead { get; }

    /// <summary>
    /// tokens (B, T) int32; targets (B, T) int32 next tokens or null. training turns the balance
    /// losses on (as the official MoEGate does). caches: one KvCache per layer for generation, or null.
    /// mask: the attention mask of packed rows (CausalMask.ForSegments), or null for plain causal rows.
    /// </summary>
    public DeepSeekMoeOutput Forward(Tensor tokens, Tensor? targets = null, bool training = true,
        RoutingOverride? routing = null, IReadOnlyList<KvCache>? caches = null, CausalMask? mask = null)
    {
        if (tokens.Rank != 2) throw new ShapeException($"DeepSeekMoe: tokens must be (B, T), got {Shape.Format(tokens.Shape)}");
        int B = tokens.Shape[0], T = tokens.Shape[1], V = Config.VocabSize;
        var routed = new List<LayerRouting>();
        using var precision = ComputePrecision.Use(ComputeDType);

        var x = Decoder.EmbedTokens.Forward(tokens);                                  // (B, T) -> (B, T, C)
        for (int l = 0; l < Decoder.Layers.Count; l++)
        {
            (x, var moe) = Decoder.Layers[l].Forward(x, tokens, mask ?? _mask, training, routing, caches?[l]); // (B, T, C)
            if (moe is not null) routed.Add(new LayerRouting(l, moe));
        }
        var logits = LmHead.Forward(Decoder.Norm.Forward(x));                          // (B, T, C) -> (B, T, V)
        var lossDType = ComputePrecision.Wide(DType);                                  // float32 (float64 in a float64 model)

        var aux = routed.Count == 0
            ? new Variable(Tensor.Scalar(0, lossDType, Backend))
            : routed.Select(r => r.Output.AuxLoss).Aggregate((a, b) => a + b);        // Σ_layers aux_l: a sum, not a mean
        if (targets is null) return new DeepSeekMoeOutput(logits, null, null, aux, routed);

        using var flatTargets = targets.Reshape(B * T);                                // (B, T) -> (N)
        var lm = Functional.CrossEntropy(logits.Reshape(B * T, V), flatTargets);       // (N, V) -> ()
        return new DeepSeekMoeOutput(logits, lm + aux, lm, aux, routed);
    }

    /// <summary>One empty KV cache per layer for generating batch sequences of up to positions tokens
    /// (at most max_position_embeddings; default that many).</summary>
    public KvCache[] NewCaches(int batch = 1, int? positions = null) => Decoder.Layers
        .Select(_ => new KvCache(batch, Math.Min(positions ?? Config.MaxPositionEmbeddings, Config.MaxPositionEmbeddings), Config.NumAttentionHeads, Config.HeadSize, Backend, ComputeDType))
        .ToArray();

    /// <summary>Frees every parameter (and its gradient) and the attention mask.</summary>
    public void Dispose()
    {
        foreach (var p in Parameters()) p.Dispose();
        _mask.Dispose();
    }
}
