// trainer_state.json: what a checkpoint holds besides the weights and the moments — where the run
// stands (steps done, data position, optimizer updates) and the settings that shape the rest of it
// (schedule, batch, seed), so `--resume` continues exactly. The only random state of a run is the
// batch sampler, which is counter-based (TokenBatches: seed + batch index), so seed and data_step
// are the whole RNG state. Loading refuses a file with a missing, unknown or out-of-range field,
// in one line naming the file and the field.
using System.Text.Json;
using System.Text.Json.Serialization;
using MoeFromScratch.Model;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.Train.Checkpointing;

/// <param name="Step">Iterations completed (the next one has this 0-based index).</param>
/// <param name="DataStep">The training batch stream's position (TokenBatches.Position).</param>
/// <param name="OptimizerStep">AdamW updates taken (skipped steps take none).</param>
/// <param name="TokensSeen">Training tokens consumed so far.</param>
public sealed record TrainerState(long Step, long DataStep, int OptimizerStep, long TokensSeen, TrainSettings Settings)
{
    public const string FileName = "trainer_state.json";
    private static readonly RegularFile.Kind FileKind = new(Tensors.UserErrorKind.Checkpoint, "a trainer_state.json of at most 1 MiB", RegularFile.MiB, m => new Model.CheckpointException(m));

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, TrainJson.Default.TrainerState) + "\n");

    public static TrainerState Load(string path)
    {
        if (!File.Exists(path)) throw new Model.CheckpointException($"{path}: no trainer state (not a checkpoint folder?)");
        TrainerState? state;
        try
        {
            state = JsonSerializer.Deserialize<TrainerState>(RegularFile.ReadAllText(path, FileKind), TrainJson.Default.TrainerState);
        }
        catch (JsonException e)
        {
            throw new Model.CheckpointException($"{path}: {e.Message.ReplaceLineEndings(" ")}");
        }
        if (state is null || state.Settings is null) throw new Model.CheckpointException($"{path}: field 'settings' is missing");
        if (state.Step < 0) throw new Model.CheckpointException($"{path}: field 'step' is {state.Step}, expected >= 0");
        if (state.DataStep < 0) throw new Model.CheckpointException($"{path}: field 'data_step' is {state.DataStep}, expected >= 0");
        if (state.OptimizerStep < 0 || state.OptimizerStep > state.Step)
            throw new Model.CheckpointException($"{path}: field 'optimizer_step' is {state.OptimizerStep}, expected 0..{state.Step} (the step)");
        try
        {
            state.Settings.Validate();
        }
        catch (Tensors.UsageException e)
        {
            throw new Model.CheckpointException($"{path}: field 'settings': {e.Message}");
        }
        return state;
    }
}
