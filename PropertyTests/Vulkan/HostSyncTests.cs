// The pieces of a training step that must not wait for the device (issue 17, "no host sync inside
// a step"), counted on the Vulkan backend: the cross-entropy's count of kept targets, the embedding's
// backward (IndexAdd bucketed on the device), a whole model's forward and backward (routing sorted on
// the device, balance-loss counts too), the trainer's losses and clip gate, read once and only on the
// steps it logs, and its phase timer, which waits only when asked (then once, by timestamp queries). Each checks the values against the CPU too, so "no read-back" cannot come from
// skipping the work.
using MoeFromScratch.Autograd;
using MoeFromScratch.Gpu.Runtime;
using MoeFromScratch.PropertyTests.Model;
using MoeFromScratch.PropertyTests.Training;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Optim;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.PropertyTests.Vulkan;

[Collection("Vulkan")]
public sealed class HostSyncTests
{
    private static MoeFromScratch.Gpu.VulkanBackend Gpu => VulkanTestDevice.Backend;

    // float32 on both devices, summed in different orders: a few ulps of values of order 1-10.
    private static readonly Tolerance Float32 = new(1e-5, 1e-5);

    private static long ReadBacks => Gpu.Counters.ReadBacks;

    [VulkanTheory]
    [InlineData(new[] { 3, -100, 0, 3, 5, -100, 1 })]
    [InlineData(new[] { -100, -100, -100 })]          // all ignored: the count is clamped to 1, the loss is 0
    public void Cross_entropy_counts_its_kept_targets_on_the_device(int[] ids)
    {
        double[] LossAndGradient(IBackend backend, out long readBacks)
        {
            using var scope = new TensorScope();
            var logits = new Variable(Tensor.RandN([ids.Length, 6], seed: 5, backend: backend), requiresGrad: true);
            var targets = Tensor.FromArray(ids, [ids.Length], backend);
            long before = backend == Gpu ? ReadBacks : 0;
            var loss = Functional.CrossEntropy(logits, targets);
            loss.Backward();
            readBacks = backend == Gpu ? ReadBacks - before : 0;
            return [loss.Item(), .. logits.Grad!.ToDoubleArray()];
        }
        var onGpu = LossAndGradient(Gpu, out long gpuReadBacks);
        var onCpu = LossAndGradient(Device.Cpu, out _);
        Assert.Equal(0, gpuReadBacks);
        ArrayAssert.Close(onGpu, onCpu, Float32, "cross-entropy and its gradient, vulkan vs cpu");
    }

    [VulkanFact]
    public void The_embedding_backward_buckets_its_ids_on_the_device_in_a_deterministic_order()
    {
        int[] ids = [7, 2, 7, 0, 9, 7, 2, 7, 3];             // 7 four times, 2 twice; rows 1, 4-6, 8 unused
        (double[] Table, double[] Upstream) Gradient(out long readBacks)
        {
            using var scope = new TensorScope();
            var upstream = Tensor.RandN([ids.Length, 5], seed: 4, backend: Gpu);
            var index = Tensor.FromArray(ids, [ids.Length], Gpu);
            var y = Tensor.Zeros([10, 5], DType.Float32, Gpu);
            long before = ReadBacks;
            Gpu.IndexAdd(y, 0, index, upstream);              // the embedding's backward: dW[id] += dy
            readBacks = ReadBacks - before;
            return (y.ToDoubleArray(), upstream.ToDoubleArray());
        }
        var (first, upstream) = Gradient(out long readBacks);
        var (again, _) = Gradient(out _);
        Assert.Equal(0, readBacks);
        Assert.Equal(first, again);                            // bitwise: the sum order does not depend on scheduling
        var expected = new double[10 * 5];
        for (int j = 0; j < ids.Length; j++)
            for (int c = 0; c < 5; c++) expected[ids[j] * 5 + c] += upstream[j * 5 + c];
        ArrayAssert.Close(first, expected, Float32, "IndexAdd on vulkan vs the loop");
    }

    [VulkanFact]
    public void A_model_forward_and_backward_read_nothing_back_and_its_losses_and_loads_come_in_one()
    {
        // The micro model has MoE layers with balance losses: routing (SortByExpert), the balance
        // loss's counts, the cross-entropy and the embedding's backward all stay on the device.
        using var model = MicroModel.Build(DType.Float32, Gpu);
        var lm = new DeepSeekMoeLanguageModel(model);
        using var scope = new TensorScope();
        var ids = MicroModel.Ids(MicroModel.Tokens(2, 6, model.Config.VocabSize, seed: 4), 2, 6, Gpu);
        var next = MicroModel.Ids(MicroModel.Tokens(2, 6, model.Config.VocabSize, seed: 5), 2, 6, Gpu);
        long before = ReadBacks;
        var output = lm.Forward(ids, next);
        output.Loss!.Backward();
        Assert.Equal(0, ReadBacks - before);
        var values = output.Losses.Read();
        Assert.Equal(1, ReadBacks - before);
        Assert.Equal(output.Loss.Item(), values.Loss, 6);
        Assert.True(values.AuxPerLayer.Count > 0 && values.AuxPerLayer.All(a => a > 0), "the micro model's MoE layers have balance losses");
        Assert.All(values.ExpertLoadPerLayer, load => Assert.Equal(2 * 6 * model.Config.NumExpertsPerTok, load.Sum()));
    }

    [VulkanFact]
    public void The_trainer_reads_the_losses_once_and_only_on_the_steps_it_logs()
    {
        var (reports, losses, counts) = Train(new TrainSettings { LogEvery = 3 });
        var logged = reports.Select(r => r.Logged).ToArray();
        Assert.Equal([false, false, true, false, false, true], logged);
        Assert.All(losses.Where((_, i) => !logged[i]), l => Assert.True(double.IsNaN(l)));
        Assert.All(losses.Where((_, i) => logged[i]), l => Assert.True(double.IsFinite(l)));
        // A step that logs nothing reads nothing back (the clip and the skip are decided on the device);
        // a logged step reads once: the losses and the optimizer's gate together.
        Assert.All(counts.Where((_, i) => !logged[i]), c => Assert.Equal(0, c.ReadBacks));
        Assert.All(counts.Where((_, i) => logged[i]), c => Assert.Equal(1, c.ReadBacks));
        // Phase times not asked for: the host waits for nothing but its read-backs.
        Assert.All(counts, c => Assert.Equal(c.ReadBacks, c.HostWaits));
    }

    [VulkanFact]
    public void Phase_times_asked_for_cost_one_wait_a_step_through_timestamp_queries()
    {
        Assert.True(Gpu.HasTimestamps, "lavapipe's compute queue writes timestamps");
        var (reports, _, counts) = Train(new TrainSettings { PhaseTimes = true });
        Assert.All(counts, c => Assert.Equal(c.ReadBacks + 1, c.HostWaits));
        Assert.All(reports, r => Assert.True(r.Times.Forward > TimeSpan.Zero && r.Times.Backward > TimeSpan.Zero && r.Times.Optimizer > TimeSpan.Zero, $"{r.Times}"));
    }

    // Six steps of the stand-in model on the test device; per step, the read-backs and host waits it made.
    private static (List<StepReport> Reports, IReadOnlyList<double> Losses, List<VulkanCounters> PerStep) Train(TrainSettings asked)
    {
        using var fixture = new TrainingFixture();
        var settings = fixture.Settings with { Steps = 6, LogEvery = asked.LogEvery, PhaseTimes = asked.PhaseTimes };
        var model = new BigramLm(TrainingFixture.Vocab, TrainingFixture.Channels, settings.Seed, Gpu);
        using var optimizer = new AdamW(model.NamedParameters(), settings.LearningRate, weightDecay: settings.WeightDecay);
        using var tokens = TokenFile.Open(fixture.TrainPath);
        var batches = new TokenBatches(tokens, settings.BatchSize, settings.SequenceLength, settings.Seed, WindowOrder.Random);
        var perStep = new CounterRecorder();
        var result = new Trainer(model, optimizer, batches, null, settings, reporter: perStep).Run();
        return (perStep.Reports, result.Losses, perStep.PerStep);
    }

    private sealed class CounterRecorder : ITrainingReporter
    {
        private VulkanCounters _last = Gpu.Counters;
        public List<StepReport> Reports { get; } = [];
        public List<VulkanCounters> PerStep { get; } = [];

        public void StepDone(StepReport report)
        {
            Reports.Add(report);
            PerStep.Add(Gpu.Counters - _last);
            _last = Gpu.Counters;
        }
    }
}
