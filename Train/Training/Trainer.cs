// Trainer: the training loop, read top to bottom like llm.c's train_gpt2.c main():
//   for each step { data → forward → zero grad → backward → clip → lr → step → log }
//   every EvalEvery steps: validation loss; every SaveEvery steps and at the end: a checkpoint.
// Phase times come from StepClock: on a GPU the work is queued asynchronously, so the device's
// time per phase is measured only when asked (PhaseTimes: timestamp queries, else a Synchronize
// per phase); otherwise nothing inside a step waits for the device but its read-backs.
// The losses are read back (one read-back: Losses.Read) only on logging steps, every LogEvery
// steps and the last; the other steps read nothing for them and report NaN losses (Logged false),
// and metrics.jsonl gets a line for the logged and the skipped steps only.
// A step whose loss or gradient norm is NaN/inf is skipped (no update; the batch is consumed), decided
// on the device (AdamW.Step's gate: the clip too), so a step that logs nothing reads nothing back. A
// logging step reads the losses and the gate together: a skipped logging step is reported with a
// warning, skipped steps between logs in one warning at the next log; MaxBadSteps in a row (counted
// on the device, seen at a logging step) stop the run with TrainingDivergedException and nothing is saved. Cancellation (Ctrl-C) is honoured at a step boundary: save, then return.
// After each step the report carries what stays allocated (StepMemory), so metrics.jsonl shows
// whether a long run's memory is flat, and the step's managed garbage is kept in bounds (GarbageBudget).
// On P ranks (DataParallel) each step takes this rank's slice of the global batch, the gradients
// and the reported losses are averaged over the ranks, a stop request on any rank stops all at the
// same step, and the replicated weights are checked bitwise equal at every save and at the end.
// Expert parallel (DataParallel with sharded parameters): the same loop; the gradient norm is the
// world's, and a save first gathers every rank's experts so rank 0 writes the ordinary checkpoint.
// Not here: building the model, data or optimizer (TrainCommand), drawing progress (reporters).
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Optim;

namespace MoeFromScratch.Train.Training;

public sealed class TrainingDivergedException(string message) : Exception(message);

/// <summary>How a run ended: its last state, the losses of its steps (NaN where skipped or not logged), the last validation loss.</summary>
public sealed record TrainResult(TrainerState State, IReadOnlyList<double> Losses, double? ValidationLoss, bool Cancelled, string? Checkpoint);

public sealed class Trainer(
    ILanguageModel model,
    AdamW optimizer,
    IBatchStream train,
    IBatchStream? validation,
    TrainSettings settings,
    TrainingCheckpoint? checkpoint = null,
    MetricsLog? metrics = null,
    ITrainingReporter? reporter = null,
    DataParallel? parallel = null)
{
    private readonly DataParallel _parallel = parallel ?? new DataParallel(new Distributed.SingleProcessCommunicator());
    private readonly ITrainingReporter _reporter = reporter ?? new SilentReporter();
    private readonly ILearningRateSchedule _schedule = Schedule.Create(settings.Schedule, settings.LearningRate, settings.WarmupSteps, settings.Steps);
    private readonly IBackend _backend = model.Module.Parameters().First().Backend;
    private readonly GarbageBudget _garbage = new();
    private readonly StepClock _clock = new(model.Module.Parameters().First().Backend, settings.PhaseTimes);

    /// <summary>Where the run stands; Resume replaces it with a checkpoint's.</summary>
    public TrainerState State { get; private set; } = new(0, 0, 0, 0, settings);

    /// <summary>Continue from a restored checkpoint state: the step counter and the data position.</summary>
    public void Resume(TrainerState state)
    {
        State = state with { Settings = settings };
        train.Seek(new DataPosition(state.DataStep));
        LastSavedStep = state.Step;   // that checkpoint exists: saving it again would replace the folder `latest` names
    }

    public TrainResult Run(CancellationToken cancel = default)
    {
        long tokensPerStep = (long)settings.BatchSize * settings.SequenceLength;
        _reporter.Started(State.Step, settings.Steps, tokensPerStep, model.Module.Parameters().Sum(p => p.Numel));
        var losses = new List<double>();
        double? validationLoss = null;
        string? saved = null;
        int badInARow = 0;

        bool stopped = false;
        while (State.Step < settings.Steps && !(stopped = _parallel.Any(cancel.IsCancellationRequested)))
        {
            var report = TrainStep(State.Step) with { Memory = StepMemory.Sample(_backend) };   // what the step left allocated
            _garbage.AfterStep();
            losses.Add(report.Skipped is null ? report.Loss : double.NaN);
            State = State with
            {
                Step = State.Step + 1,
                DataStep = train.Position.Step,
                OptimizerStep = optimizer.KnownStepCount ?? State.OptimizerStep,   // the device's count is read on logging steps
                TokensSeen = State.TokensSeen + tokensPerStep,
            };
            if (report.Logged || report.Skipped is not null) metrics?.Write(report);
            _reporter.StepDone(report);
            if (report.Logged && SkippedUnlogged > 0)
                _reporter.Warning($"step {report.Step + 1}: {SkippedUnlogged} step(s) since the last log had a non-finite loss or gradient; their updates were skipped");

            if (report.Skipped is not null)
            {
                badInARow = BadInARow;
                _reporter.Warning($"step {report.Step + 1}: {report.Skipped}; update skipped ({badInARow} in a row)");
                if (badInARow >= settings.MaxBadSteps)
                    throw new TrainingDivergedException(
                        $"training diverged: {badInARow} steps in a row had a non-finite loss or gradient (last: step {report.Step + 1}); nothing was saved" +
                        ((saved ?? LatestCheckpoint()) is { } good ? $"; the last good checkpoint is {good}" : ""));
                continue;
            }
            badInARow = 0;

            bool finished = State.Step == settings.Steps;
            if (validation is not null && settings.EvalEvery > 0 && (State.Step % settings.EvalEvery == 0 || finished))
            {
                var eval = Evaluator.Run(model, validation, settings.EvalBatches, State.Step, _backend);
                validationLoss = eval.ValidationLoss;
                metrics?.Write(eval);
                _reporter.Evaluated(eval);
            }
            if (settings.SaveEvery > 0 && State.Step % settings.SaveEvery == 0 && !finished)
                saved = Save();
        }
        // The loop is over: the CPU's cache of step-sized blocks (kept for a next step) goes back to the
        // OS, so the last checkpoint and what the caller does next (plots, a sample) start from the live set.
        if (_backend is Tensors.Cpu.CpuBackend cpu) cpu.Allocator.Trim();
        if (State.Step > 0 && State.Step != LastSavedStep) saved = Save();
        State = State with { OptimizerStep = optimizer.StepCount };
        return new TrainResult(State, losses, validationLoss, stopped, saved);
    }

    private long LastSavedStep { get; set; } = -1;

    private string? Save()
    {
        _parallel.CheckReplicasIdentical(model.Module.Parameters(), State.Step);   // every rank calls Save
        State = State with { OptimizerStep = optimizer.StepCount };                // a read-back unless the step logged
        using var experts = _parallel.ShardsExperts ? new GatheredExperts(_parallel.World, optimizer, _parallel.Sharded) : null; // every rank sends its experts
        if (checkpoint is null) return null;   // the ranks past 0 of a data-parallel run: rank 0 writes
        string folder = checkpoint.Save(State, experts: experts);
        // A save's buffers (the tensor chunks, the tokenizer's JSON) are large objects, which only a
        // full collection frees; left to the runtime they stay resident for the rest of the run.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        LastSavedStep = State.Step;
        _reporter.Saved(folder, State.Step);
        return folder;
    }

    private string? LatestCheckpoint() =>
        checkpoint is not null && File.Exists(Path.Combine(checkpoint.RunFolder, CheckpointStore.LatestFile))
            ? CheckpointStore.Resolve(checkpoint.RunFolder) : null;

    /// <summary>One iteration: the body of llm.c's training loop.</summary>
    private StepReport TrainStep(long step)
    {
        using var scope = new TensorScope();   // every temporary of this step is freed at its end
        _clock.Start();

        // data: the next (B, T+1) window rows (or packed examples), this rank's B/P of them, as inputs and targets on the device
        var batch = _parallel.Slice(train.NextBatch(_backend));
        _clock.PhaseDone();

        // forward and backward in a scope of their own: the activations the tape kept are freed before
        // the optimizer runs (whose gradient norm squares a bucket-sized temporary), so the step's peak
        // memory is the larger of the two phases, not their sum. The loss and its parts outlive it.
        bool logs = (step + 1) % settings.LogEvery == 0 || step + 1 == settings.Steps;
        LmOutput output;
        Tensor loss;
        using (var pass = new TensorScope())
        {
            // forward: loss = LM loss + Σ aux (the objective)
            output = model.Forward(batch);
            var objective = output.Loss ?? throw new InvalidOperationException("the model returned no loss although targets were given");
            _clock.PhaseDone();

            // zero grad, backward
            optimizer.ZeroGrad();
            objective.Backward();
            _parallel.AverageGradients([.. optimizer.Parameters()]);
            loss = pass.Keep(objective.Data);
            output.Losses.Outlive(pass);
        }
        _clock.PhaseDone();

        // clip the global gradient norm, set the learning rate, update: the clip and the skip of a
        // non-finite step are decided on the device (AdamW.Step's gate), so this reads nothing back.
        // On P ranks the loss is not checked there (a rank's own NaN would skip on that rank alone):
        // the all-reduced gradients carry it to every rank's norm.
        double lr = _schedule.At(step);
        var sumOfSquares = _parallel.GradSumOfSquares([.. optimizer.Parameters()]);   // the world's: each parameter once
        optimizer.LearningRate = lr;
        optimizer.Step(sumOfSquares, _parallel.Ranks == 1 ? loss : null, settings.MaxGradNorm);

        // log: the losses and the gate read back together (one read-back), on logging steps only
        LossValues? values = null;
        double[]? gate = null;
        if (logs) (values, gate) = output.Losses.Read(optimizer.Gate!);
        _clock.PhaseDone();
        return Report(step, lr, values, gate, output.MoeLayers);
    }

    private long _skippedSeen;   // the gate's skip count at the last logging step

    private StepReport Report(long step, double lr, LossValues? values, double[]? gate, IReadOnlyList<int>? moeLayers)
    {
        double[] means = values is null ? [double.NaN, double.NaN, double.NaN]
            : _parallel.Mean(values.Loss, values.LmLoss, values.AuxLoss);           // over the ranks: the global batch's
        double lossValue = means[0], norm = double.NaN;
        string? skipped = null;
        if (gate is not null)
        {
            optimizer.Observed(gate);
            norm = Math.Sqrt(gate[OptimizerGate.SumOfSquares]);
            BadInARow = (int)gate[OptimizerGate.BadInARow];
            SkippedUnlogged = (long)gate[OptimizerGate.Skipped] - _skippedSeen - (gate[OptimizerGate.Update] == 0 ? 1 : 0);
            _skippedSeen = (long)gate[OptimizerGate.Skipped];
            if (gate[OptimizerGate.Update] == 0)
                (skipped, norm) = double.IsFinite(lossValue) ? ($"gradient norm is {norm}", norm) : ($"loss is {lossValue}", double.NaN);
        }
        var times = _clock.Times();
        return new(step, settings.Steps, lossValue, means[1], means[2], values?.AuxPerLayer ?? [], values?.ExpertLoadPerLayer ?? [],
            lr, norm, (long)settings.BatchSize * settings.SequenceLength,
            settings.BatchSize * settings.SequenceLength / Math.Max(1e-9, times.Total.TotalSeconds), times, skipped, Logged: gate is not null, MoeLayers: moeLayers);
    }

    /// <summary>Skipped steps in a row up to the last logging step (the device's count).</summary>
    private int BadInARow { get; set; }

    /// <summary>Steps between the last two logging steps whose update the device skipped.</summary>
    private long SkippedUnlogged { get; set; }

    private sealed class SilentReporter : ITrainingReporter;
}
