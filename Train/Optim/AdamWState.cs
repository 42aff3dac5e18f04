// AdamW's state for checkpoints: the moments of every parameter under PyTorch's names
// ("exp_avg.<param>", "exp_avg_sq.<param>", float32, so a resumed run continues bit for bit) and
// the update count. The caller writes them with the safetensors writer and keeps StepCount in its
// JSON state; loading copies them into the moments already allocated on the parameters' device.
// Not here: file IO (Checkpointing/TrainingCheckpoint.cs does it).
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Optim;

public sealed partial class AdamW
{
    public const string MName = "exp_avg";
    public const string VName = "exp_avg_sq";

    /// <summary>Every moment by state name, in parameter order; the optimizer still owns them.</summary>
    public IReadOnlyList<(string Name, Tensor Tensor)> StateTensors() =>
        _slots.SelectMany(s => new[] { ($"{MName}.{s.Name}", s.M), ($"{VName}.{s.Name}", s.V) }).ToList();

    /// <summary>Copies saved moments (any device) into place; source names where they came from in errors.</summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> tensors, int stepCount, string source)
    {
        if (stepCount < 0) throw new Model.CheckpointException($"{source}: optimizer step {stepCount}, expected >= 0");
        var expected = StateTensors();
        var unexpected = tensors.Keys.Except(expected.Select(e => e.Name)).ToList();
        if (unexpected.Count > 0)
            throw new Model.CheckpointException($"{source}: optimizer state '{unexpected[0]}' belongs to no parameter of this model ({unexpected.Count} unexpected)");
        foreach (var (name, moment) in expected)
        {
            if (!tensors.TryGetValue(name, out var saved))
                throw new Model.CheckpointException($"{source}: optimizer state '{name}' is missing");
            if (!Shape.SameShape(saved.Shape, moment.Shape))
                throw new Model.CheckpointException($"{source}: optimizer state '{name}' is {Shape.Format(saved.Shape)}, the parameter is {Shape.Format(moment.Shape)}");
            using var moved = saved.To(moment.Backend, moment.DType);
            moment.Backend.Copy(moved, moment);
        }
        StepCount = stepCount;
        ResetGate();   // the next gated step counts on from the loaded count
    }
}
