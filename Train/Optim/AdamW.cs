// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019), shaped like torch.optim.AdamW:
//   var optimizer = new AdamW(model.NamedParameters(), lr: 1e-3);
//   loop { optimizer.ZeroGrad(); loss.Backward(); optimizer.Step(); }
// The update itself is the fused AdamWUpdate kernel, run on the device that holds the weights; the
// moments m and v are allocated there too, so a step moves no data between host and device.
// Decay rule (nanoGPT's configure_optimizers): matrices (rank >= 2: linear weights, embeddings,
// expert stacks) decay; vectors (rank 1: RMSNorm scales, biases) do not, because shrinking a norm
// scale or a bias towards 0 is not regularisation, it changes what the layer computes.
// The optimizer packs its parameters' weights and gradients into flat buckets (Autograd/Nn/GradientBuffer.cs)
// when it is made, so the global norm and the clip are one pass per bucket (GradClip.cs) and the update
// one dispatch per run of parameters that share their weight decay (AdamW.Runs.cs).
// Step(Σg², loss, maxNorm) is the trainer's step: the clip, the skip of a non-finite step and the
// update count are decided on the device (IBackend.ClipGate into Gate, which AdamW reads), so it reads
// nothing back; the host learns the count when it reads Gate (Observed) or asks StepCount (one read).
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
        var named = parameters.ToList();
        if (named.Select(n => n.Name).Distinct().Count() != named.Count)
            throw new ArgumentException("AdamW: parameter names must be unique (they name the optimizer state in checkpoints)");
        LayOut(named);   // weights and gradients back to back (clip and norm per bucket), moments alike (AdamW.Runs.cs)
    }

    /// <summary>The decay rule: matrices decay, vectors (norm scales, biases) do not.</summary>
    public static bool Decays(Parameter p) => p.Rank >= 2;

    public double LearningRate { get; set; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }
    public double WeightDecay { get; }

    private int _steps;              // the update count as last known on the host
    private bool _countOnDevice;     // a gated step ran since: the count is Gate's until read

    /// <summary>Updates taken so far; the bias corrections of the next Step use StepCount + 1. After a
    /// gated step it is the device's count: reading it then waits for the device (one read-back).</summary>
    public int StepCount
    {
        get
        {
            if (_countOnDevice) Observed(Gate!.ToDoubleArray());
            return _steps;
        }
        private set => (_steps, _countOnDevice) = (value, false);
    }

    /// <summary>StepCount when the host knows it without a read-back, else null.</summary>
    public int? KnownStepCount => _countOnDevice ? null : _steps;

    /// <summary>The device vector of the gated steps (OptimizerGate.cs), null before the first; the optimizer owns it.</summary>
    public Tensor? Gate { get; private set; }

    /// <summary>Takes the count from Gate's values, read back by the caller (with other values, in one read-back).</summary>
    public void Observed(ReadOnlySpan<double> gate) => StepCount = (int)gate[OptimizerGate.Updates];

    public IReadOnlyList<Slot> Slots => _slots;

    /// <summary>Each parameter once, in the order its gradient is packed: what runs over all gradients (the norm,
    /// the all-reduce) then meets whole buckets (Tensor.CoalesceViews), not one tensor per parameter.</summary>
    public IEnumerable<Parameter> Parameters() => _packOrder;

    /// <summary>One update of every parameter from its accumulated Grad, as given (no clip).</summary>
    public void Step()
    {
        StepCount++;
        ResetGate();   // its count is behind now; the next gated step starts a fresh one from StepCount
        UpdateRuns(StepCount, gate: null);
    }

    /// <summary>
    /// One update decided on the device: the gradients scaled by min(1, maxNorm / (‖g‖ + 1e-6)) with
    /// ‖g‖² = sumOfSquares (a () tensor on the parameters' device, GradClip.SumOfSquaresOnDevice), and no
    /// update at all when it or loss (() or null) is not finite. Nothing is read back; the Grads are not
    /// changed (the clip is applied as AdamW reads them).
    /// </summary>
    public void Step(Tensor sumOfSquares, Tensor? loss, double maxNorm)
    {
        if (_slots.Count == 0) return;
        if (Gate is null)
        {
            var first = _slots[0].Parameter.Data;
            var start = new double[OptimizerGate.Length];
            start[OptimizerGate.Updates] = StepCount;   // continues the host's count (a resumed run's)
            using var untracked = TensorScope.Suspend();   // it outlives the step that makes it
            using var host = Tensor.FromArray(start, [start.Length]);
            Gate = host.To(first.Backend, first.DType);
        }
        Tensor.ClipGate(sumOfSquares, loss, maxNorm, Gate);
        _countOnDevice = true;
        UpdateRuns(_steps + 1, Gate);   // t comes from Gate
    }

    private AdamWStep Hyper(Slot s, int step) => new(LearningRate, Beta1, Beta2, Epsilon, s.Decays ? WeightDecay : 0, step);

    private void ResetGate()
    {
        Gate?.Dispose();
        Gate = null;
    }

    public void ZeroGrad()
    {
        foreach (var s in _slots) s.Parameter.ZeroGrad();
    }

    /// <summary>Frees the moments; the parameters belong to the model.</summary>
    public void Dispose()
    {
        ResetGate();
        foreach (var s in _slots)
        {
            s.M.Dispose();
            s.V.Dispose();
        }
    }
}
