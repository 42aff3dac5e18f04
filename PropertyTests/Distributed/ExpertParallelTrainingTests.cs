// ExpertParallelTrainingTests: whole-model `--parallel expert` training on P ranks (threads of this
// process, ThreadedTraining) against one process from the same seed — the parity and
// resharding checks that need no launcher.
//
// Parity (P = 2 and 4, 3 steps, both balance losses on, D = P device groups in both runs): the
// per-step losses and gradient norms, every gradient of the last step and every weight at the end.
// The ReferenceBackend fixes every reduction order, yet the runs are not bit-exact and cannot be:
// a sum over the B·T tokens (a weight gradient, the loss mean) becomes P sums over B·T/P tokens added
// in rank order — the same terms regrouped, which rounds differently. (The expert outputs are exact:
// each expert sees the same rows in the same order, ExpertParallelLayerTests.) So the bounds:
//   float64: 1e-12 relative on losses and norms; gradients 1e-13 absolute + 1e-9 relative — a
//     regrouped sum of n terms differs by ~n·ε·Σ|terms| (ε = 1.1e-16, n ≤ 32 tokens, Σ|terms| ≲ 1),
//     and a near-cancelled gradient element has no relative accuracy to speak of, hence the absolute
//     floor; weights 1e-12 absolute after 3 AdamW steps (an update is m/√v·lr, so a relative change
//     of the gradient moves it by about that relative amount of lr = 1e-2).
//   float32: the same argument with ε = 6e-8: 1e-5 relative on losses and norms, gradients 1e-6
//     absolute + 1e-3 relative, weights 1e-5 absolute.
// Measured (the comparisons are printed): float64 losses and norms ≤ 5e-15 relative, gradients
// ≤ 1.5e-15 absolute, weights ≤ 4.2e-14 absolute; float32 losses ≤ 1.1e-7 and norms ≤ 3.9e-7
// relative, gradients ≤ 1.3e-7 absolute, weights ≤ 3.1e-6 absolute. The runs are deterministic (one
// thread per rank, fixed orders), so these do not drift between runs.
// Resharding: a checkpoint saved at P = 2 loads at P = 1 and 4 and saves again to the same bytes
// (model, optimizer moments on the global expert axis, trainer state, config); and a run that
// stops at step 2 and resumes at another rank count (1 → 2, 1 → 4, 2 → 4, 2 → 1) continues the
// one-process run within the float32 bounds (the balance losses are on, the device-level one off:
// its D = P groups change the objective with P).
using MoeFromScratch.Model.Config;
using MoeFromScratch.PropertyTests.Training;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Checkpointing;
using MoeFromScratch.Train.Training;
using Xunit.Abstractions;

namespace MoeFromScratch.PropertyTests.Distributed;

public sealed class ExpertParallelTrainingTests(ITestOutputHelper output) : IDisposable
{
    private readonly TrainingFixture _data = new();

    private static readonly MoeConfig Config = ThreadedTraining.TestConfig;

    private sealed record Bounds(double Loss, Tolerance Grad, double Weight);

    private static Bounds For(DType dtype) => dtype == DType.Float64
        ? new(1e-12, new(1e-13, 1e-9), 1e-12)
        : new(1e-5, new(1e-6, 1e-3), 1e-5);

    [Theory]
    [InlineData(2, DType.Float64)]
    [InlineData(4, DType.Float64)]
    [InlineData(2, DType.Float32)]
    [InlineData(4, DType.Float32)]
    public void P_ranks_train_the_single_process_model_in_losses_gradients_and_weights(int ranks, DType dtype)
    {
        var training = Training(Config with { DeviceAuxLossAlpha = 0.05, NDeviceGroups = ranks });
        var single = training.Train(1, dtype, steps: 3);
        var many = training.Train(ranks, dtype, steps: 3);
        var bounds = For(dtype);

        Close(many[0].Losses, single[0].Losses, Tolerance.Relative(bounds.Loss), "losses");
        Close(many[0].GradNorms, single[0].GradNorms, Tolerance.Relative(bounds.Loss), "gradient norms");
        foreach (var name in single[0].Weights.Keys)
        {
            Close(ThreadedTraining.Whole(many, r => r.Grads, name), single[0].Grads[name], bounds.Grad, "d" + name);
            Close(ThreadedTraining.Whole(many, r => r.Weights, name), single[0].Weights[name], Tolerance.Absolute(bounds.Weight), name);
        }
    }

    [Fact]
    public void A_checkpoint_saved_at_2_ranks_loads_at_1_and_4_and_saves_the_same_bytes()
    {
        var training = Training(Config);
        training.Train(2, DType.Float32, steps: 3, runFolder: Folder("p2"));
        string saved = CheckpointStore.Resolve(Folder("p2"));
        foreach (int ranks in new[] { 1, 4 })
        {
            string again = training.Resave(ranks, saved, Folder($"p{ranks}"));
            var files = Directory.GetFiles(saved).Select(Path.GetFileName).Order().ToList();
            Assert.Equal(files, Directory.GetFiles(again).Select(Path.GetFileName).Order().ToList());
            foreach (var file in files)
                Assert.True(File.ReadAllBytes(Path.Combine(saved, file!)).SequenceEqual(File.ReadAllBytes(Path.Combine(again, file!))),
                    $"{file}: saved again at {ranks} rank(s) it differs from the 2-rank save");
        }
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(1, 4)]
    [InlineData(2, 4)]
    [InlineData(2, 1)]
    public void A_run_stopped_at_one_rank_count_resumes_at_another(int before, int after)
    {
        var training = Training(Config);
        var bounds = For(DType.Float32);
        var single = training.Train(1, DType.Float32, steps: 4)[0];
        training.Train(before, DType.Float32, steps: 2, runFolder: Folder("first"));
        var resumed = training.Train(after, DType.Float32, steps: 4, resume: CheckpointStore.Resolve(Folder("first")));

        Close(resumed[0].Losses, single.Losses.Skip(2).ToList(), Tolerance.Relative(bounds.Loss), $"losses of steps 3-4 at {after} after {before}");
        foreach (var name in single.Weights.Keys)
            Close(ThreadedTraining.Whole(resumed, r => r.Weights, name), single.Weights[name], Tolerance.Absolute(bounds.Weight), name);
    }

    private ThreadedTraining Training(MoeConfig config) => new(_data.TrainPath, config, ThreadedTraining.TestSettings);

    private string Folder(string name) => Path.Combine(_data.Folder, name);

    private void Close(IReadOnlyList<double> actual, IReadOnlyList<double> expected, Tolerance tolerance, string label)
    {
        Assert.Equal(expected.Count, actual.Count);
        output.WriteLine(ArrayAssert.Close(actual.ToArray(), expected.ToArray(), tolerance, label).ToString());
    }

    public void Dispose() => _data.Dispose();
}
