// The multi-tensor AdamW on the host backends: bitwise the per-tensor update over several plain and
// gated steps (PackedAdamWCheck), one dispatch per run, weights and gradients packed alike, and the
// slots (which name the checkpoint's optimizer state) still in parameter order, Parameters() in the
// packed order (so the norm and the all-reduce meet whole buckets).
using MoeFromScratch.Tensors.Reference;
using MoeFromScratch.Train.Optim;

namespace MoeFromScratch.PropertyTests.Training;

public sealed class PackedAdamWTests
{
    public static TheoryData<string> Backends() => ["cpu", "reference"];

    private static IBackend Backend(string name) => name == "cpu" ? Device.Cpu : new ReferenceBackend();

    [Theory]
    [MemberData(nameof(Backends))]
    public void Runs_update_bitwise_as_the_per_tensor_step_in_one_dispatch_each(string backend) =>
        Assert.Equal(PackedAdamWCheck.ExpectedRuns, PackedAdamWCheck.StepsMatchThePerTensorUpdate(Backend(backend)));

    [Fact]
    public void Weights_and_gradients_pack_in_one_layout_with_decaying_matrices_first_and_slots_in_parameter_order()
    {
        using var scope = new TensorScope();
        var vector = new Parameter(Tensor.RandN([3], seed: 1));
        var matrix = new Parameter(Tensor.RandN([2, 2], seed: 2));
        var before = vector.Data.ToDoubleArray();
        using var optimizer = new AdamW([("norm", vector), ("weight", matrix)]);

        Assert.Equal(["norm", "weight"], optimizer.Slots.Select(s => s.Name));
        Assert.Same(vector.Data.Storage, matrix.Data.Storage);
        Assert.Same(vector.Grad!.Storage, matrix.Grad!.Storage);
        Assert.Equal(0, matrix.Data.Offset);                       // the decaying matrix first
        Assert.Equal(4, vector.Data.Offset);
        Assert.Equal(before, vector.Data.ToDoubleArray());          // moved, not changed
        Assert.Equal(2, optimizer.DispatchesPerStep);               // one run each: the vector does not decay
        var grads = Tensor.CoalesceViews(optimizer.Parameters().Select(p => p.Grad!));
        Assert.Single(grads);                                        // the norm and the all-reduce meet one bucket
        foreach (var g in grads) g.Dispose();
    }
}
