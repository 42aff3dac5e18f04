// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019), shaped like torch.optim.AdamW:
//   var optimizer = new AdamW(model.NamedParameters(), lr: 1e-3);
//   loop { optimizer.ZeroGrad(); loss.Backward(); optimizer.Step(); }
// The update itself is the fused AdamWUpdate kernel, run on the device that holds the weights; the
// moments m and v are allocated there too, so a step moves no data between host and device.
// Decay rule (nanoGPT's configure_optimizers): matrices (rank >= 2: linear weights, embeddings,
// expert stacks) decay; vectors (rank 1: RMSNorm scales, biases) do not, because shrinking a norm
// scale or a bias towards 0 is not regularisation, it changes what the layer computes.
// The optimizer packs its parameters' gradients into flat buckets (Autograd/Nn/GradientBuffer.cs) when
// it is made, so the global norm and the clip are one pass per bucket (GradClip.cs).
// Not here: parameter groups with their own hyper-parameters, amsgrad, the LR schedule (the
// trainer sets LearningRate each step), gradient clipping (GradClip.cs), state files (AdamWState.cs).
using MoeFromScratch.Autograd;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Optim;

public sealed partial class AdamW : IDisposable
{
    /// <summary>One parameter and its moments: m (exp_avg) and v (exp_avg_sq) in PyTorch's names.</summary>
    public sealed record Slot(string Name, Parameter Parameter, Tensor M, Tensor V, bool Decays);

    private readonly List<Slot> _slots = [];

    public AdamW(IEnumerable<(string Name, Parameter P)> parameters, double lr = 1e-3,
        (double Beta1, double Beta2)? betas = null, double eps = 1e-8, double weightDecay = 0.1)
    {
        (Beta1, Beta2) = betas ?? (0.9, 0.95);
        if (!(lr >= 0)) throw new ArgumentException($"AdamW: learning rate {lr}, expected >= 0");
        if (Beta1 is < 0 or >= 1 || Beta2 is < 0 or >= 1) throw new ArgumentException($"AdamW: betas ({Beta1}, {Beta2}), expected each in [0, 1)");
        if (!(eps > 0)) throw new ArgumentException($"AdamW: eps {eps}, expected > 0");
        if (!(weightDecay >= 0)) throw new ArgumentException($"AdamW: weight decay {weightDecay}, expected >= 0");
        (LearningRate, Epsilon, WeightDecay) = (lr, eps, weightDecay);
        foreach (var (name, p) in parameters)
            _slots.Add(new Slot(name, p, Tensor.ZerosLike(p.Data), Tensor.ZerosLike(p.Data), Decays(p)));
        if (_slots.Select(s => s.Name).Distinct().Count() != _slots.Count)
            throw new ArgumentException("AdamW: parameter names must be unique (they name the optimizer state in checkpoints)");
        GradientBuffer.Pack(_slots.Select(s => s.Parameter));   // the gradients back to back: clip and norm run per bucket
    }

    /// <summary>The decay rule: matrices decay, vectors (norm scales, biases) do not.</summary>
    public static bool Decays(Parameter p) => p.Rank >= 2;

    public double LearningRate { get; set; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }
    public double WeightDecay { get; }

    /// <summary>Updates taken so far; the bias corrections of the next Step use StepCount + 1.</summary>
    public int StepCount { get; private set; }

    public IReadOnlyList<Slot> Slots => _slots;

    public IEnumerable<Parameter> Parameters() => _slots.Select(s => s.Parameter);

    /// <summary>One update of every parameter from its accumulated Grad.</summary>
    public void Step()
    {
        StepCount++;
        foreach (var s in _slots)
        {
            var step = new AdamWStep(LearningRate, Beta1, Beta2, Epsilon, s.Decays ? WeightDecay : 0, StepCount);
            s.Parameter.Data.AdamWUpdate(s.Parameter.Grad!, s.M, s.V, step);
        }
    }

    public void ZeroGrad()
    {
        foreach (var s in _slots) s.Parameter.ZeroGrad();
    }

    /// <summary>Frees the moments; the parameters belong to the model.</summary>
    public void Dispose()
    {
        foreach (var s in _slots)
        {
            s.M.Dispose();
            s.V.Dispose();
        }
    }
}
