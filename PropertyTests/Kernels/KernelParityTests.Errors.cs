// The kernels' failure contract: an index value outside its axis throws an ArgumentException that
// names the op, the value and the axis size (never a silent wrong read), and an enum value a kernel
// does not know fails naming the value. Facts, not properties: each case is one specific mistake.

namespace MoeFromScratch.PropertyTests.Kernels;

public abstract partial class KernelParityTests
{
    private void AssertRejects(string op, int badIndex, int axisSize, Action kernel)
    {
        if (!ChecksIndexRange) return;
        var error = Assert.ThrowsAny<ArgumentException>(kernel);
        Assert.Contains(op, error.Message);
        Assert.Contains(badIndex.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
        Assert.Contains(axisSize.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
    }

    private Tensor Data(params int[] shape) => Tensor.Zeros(shape, DType.Float32, Backend);

    private Tensor IndexOn(int[] values, params int[] shape)
    {
        using var reference = Tensor.FromArray(values, shape, Reference);
        return reference.To(Backend);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(-1)]
    public void GatherRejectsOutOfRangeIndex(int bad)
    {
        using var scope = new TensorScope();
        var index = IndexOn([0, bad], 1, 2);
        AssertRejects("Gather", bad, 3, () => Backend.Gather(Data(1, 3), 1, index, Data(1, 2)));
    }

    [Theory]
    [InlineData(7)]
    [InlineData(-1)]
    public void IndexSelectRejectsOutOfRangeIndex(int bad)
    {
        using var scope = new TensorScope();
        var index = IndexOn([bad, 0], 2);
        AssertRejects("IndexSelect", bad, 3, () => Backend.IndexSelect(Data(3, 4), 0, index, Data(2, 4)));
    }

    [Theory]
    [InlineData(7)]
    [InlineData(-1)]
    public void ScatterAddRejectsOutOfRangeIndex(int bad)
    {
        using var scope = new TensorScope();
        var index = IndexOn([bad, 1], 2, 1);
        AssertRejects("ScatterAdd", bad, 3, () => Backend.ScatterAdd(Data(3, 1), 0, index, Data(2, 1)));
    }

    [Theory]
    [InlineData(7)]
    [InlineData(-1)]
    public void IndexAddRejectsOutOfRangeIndex(int bad)
    {
        using var scope = new TensorScope();
        var index = IndexOn([1, bad], 2);
        AssertRejects("IndexAdd", bad, 3, () => Backend.IndexAdd(Data(3, 4), 0, index, Data(2, 4)));
    }

    [Theory]
    [InlineData(7)]
    [InlineData(-5)]
    public void CrossEntropyRejectsOutOfRangeTarget(int bad)
    {
        using var scope = new TensorScope();
        var targets = IndexOn([0, bad], 2);
        AssertRejects("CrossEntropyForward", bad, 3, () => Backend.CrossEntropyForward(Data(2, 3), targets, -100, Data(2)));
        AssertRejects("CrossEntropyBackward", bad, 3, () => Backend.CrossEntropyBackward(Data(2, 3), targets, -100, Data(2), Data(2, 3)));
    }

    [Fact]
    public void UnknownOpsFailNamingThemselves()
    {
        using var scope = new TensorScope();
        var x = Data(2);
        foreach (var kernel in new Action[]
        {
            () => Backend.Unary((UnaryOp)99, x, Data(2)),
            () => Backend.Binary((BinaryOp)99, x, x, Data(2)),
            () => Backend.Reduce((ReduceOp)99, x, 0, Data(1)),
        })
        {
            var error = Assert.ThrowsAny<Exception>(kernel);
            Assert.Contains("99", error.Message);
        }
    }

    [Fact]
    public void FloatOnlyOpsRefuseInt32NamingTheOp()
    {
        using var scope = new TensorScope();
        var x = Tensor.Zeros([2], DType.Int32, Backend);
        foreach (var op in Enum.GetValues<BinaryOp>().Where(o => o.IsFloatOnly()))
        {
            var error = Assert.ThrowsAny<NotSupportedException>(() => Backend.Binary(op, x, x, Tensor.Empty([2], DType.Int32, Backend)));
            Assert.Contains(op.ToString(), error.Message);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void AdamWStepBelowOneIsRefusedBeforeAnyBackendRuns(int step)
    {
        // The bias corrections divide by 1 - β^step: AdamWStep itself refuses step < 1, for every backend.
        var error = Assert.Throws<ArgumentException>(() => new AdamWStep(1e-3, 0.9, 0.95, 1e-8, 0, step));
        Assert.Contains($"got {step}", error.Message);
    }
}
