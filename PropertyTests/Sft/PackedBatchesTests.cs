// Packed fine-tuning rows: which targets carry loss (answer tokens and eos of each packed example,
// never a target across examples or on padding), that the segment mask makes a packed example's
// logits those of the example alone (float64, up to rounding), and that seeking to a position
// continues the row stream exactly (what resuming relies on).
using MoeFromScratch.Model.Layers;
using MoeFromScratch.PropertyTests.Model;
using MoeFromScratch.Train.Data;
using MoeFromScratch.Train.Sft;

namespace MoeFromScratch.PropertyTests.Sft;

public sealed class PackedBatchesTests
{
    private const int Pad = 99;

    // example e: ids 10e+0 .. 10e+n-1; the second half carries loss (a question, then its answer)
    private static (int[] Ids, bool[] Loss) Example(int e, int n) =>
        (Enumerable.Range(0, n).Select(i => 10 * e + i).ToArray(), Enumerable.Range(0, n).Select(i => i >= n / 2).ToArray());

    [Fact]
    public void Targets_carry_loss_only_inside_an_example_on_its_learned_tokens()
    {
        var examples = new[] { Example(1, 4), Example(2, 6), Example(3, 3), Example(4, 9), Example(5, 12) };  // the last is longer than T+1
        var batches = new PackedBatches(examples, batchSize: 1, contextLength: 9, Pad, seed: 3, WindowOrder.Sequential);
        Assert.Equal((4, 1), (batches.Packed, batches.Dropped));
        var learned = new List<int>();
        for (int r = 0; r < batches.Rows; r++)
        {
            var (inputs, targets, segments) = batches.NextRows();
            for (int i = 0; i < inputs.Length; i++)
            {
                if (targets[i] == PackedBatches.IgnoreIndex) continue;
                learned.Add(targets[i]);
                Assert.Equal(inputs[i] + 1, targets[i]);             // the next token of the same example
                Assert.Equal(inputs[i] / 10, targets[i] / 10);
                Assert.NotEqual(-1, segments[i]);
            }
            for (int i = 0; i + 1 < inputs.Length; i++)
                if (segments[i] == -1) Assert.Equal((Pad, PackedBatches.IgnoreIndex), (inputs[i], targets[i]));
                else if (inputs[i] / 10 != inputs[i + 1] / 10) Assert.NotEqual(segments[i], segments[i + 1]);   // a new example, a new segment
        }
        // every learned token of every packed example, once: the second halves of examples 1..4
        int[] expected = [.. new[] { (1, 4), (2, 6), (3, 3), (4, 9) }.SelectMany(x => Enumerable.Range(x.Item2 / 2, x.Item2 - x.Item2 / 2).Select(i => 10 * x.Item1 + i))];
        Assert.Equal(expected.Order(), learned.Order());
    }

    [Fact]
    public void A_packed_example_attends_only_to_itself()
    {
        using var model = MicroModel.Build(DType.Float64);
        int[] first = [1, 2, 3, 4, 5], second = [6, 7, 8, 9, 10, 11, 12];
        int[] row = [.. first, .. second];
        int[] segments = [.. Enumerable.Repeat(0, first.Length), .. Enumerable.Repeat(1, second.Length)];
        using var noGrad = Grad.NoGrad();
        using var scope = new TensorScope();
        var packed = model.Forward(MicroModel.Ids(row, 1, row.Length), training: false,
            mask: CausalMask.ForSegments(segments, 1, row.Length, model.Backend, DType.Float64)).Logits.Data.ToDoubleArray();
        var alone = model.Forward(MicroModel.Ids(second, 1, second.Length), training: false).Logits.Data.ToDoubleArray();
        int V = model.Config.VocabSize;
        ArrayAssert.Close(packed.AsSpan(first.Length * V), alone, Tolerance.Absolute(1e-12), "the second example's logits: packed vs alone");
        var unmasked = model.Forward(MicroModel.Ids(row, 1, row.Length), training: false).Logits.Data.ToDoubleArray();
        Assert.True(unmasked.AsSpan(first.Length * V).ToArray().Zip(alone).Max(p => Math.Abs(p.First - p.Second)) > 1e-6,
            "without the segment mask the second example sees the first (the test would not notice a missing mask otherwise)");
    }

    [Fact]
    public void Seeking_to_a_position_continues_the_stream_exactly_across_epochs()
    {
        var examples = Enumerable.Range(1, 30).Select(e => Example(e, 3 + e % 5)).ToArray();
        var straight = new PackedBatches(examples, batchSize: 3, contextLength: 11, Pad, seed: 9, WindowOrder.Random);
        var rows = Enumerable.Range(0, 12).Select(_ => straight.NextRows()).ToList();   // more rows than one epoch holds
        Assert.True(straight.Rows < 12 * 3);
        var resumed = new PackedBatches(examples, batchSize: 3, contextLength: 11, Pad, seed: 9, WindowOrder.Random);
        resumed.Seek(new DataPosition(5));
        for (int step = 5; step < 12; step++)
        {
            var (inputs, targets, segments) = resumed.NextRows();
            Assert.Equal([rows[step].Inputs, rows[step].Targets, rows[step].Segments], [inputs, targets, segments]);
        }
        var otherSeed = new PackedBatches(examples, batchSize: 3, contextLength: 11, Pad, seed: 10, WindowOrder.Random);
        Assert.NotEqual(rows[0].Inputs, otherSeed.NextRows().Inputs);
    }
}
