// CpuKernelSmokeTests: quick, deterministic checks of the CPU kernels against values worked out
// by hand (the expected numbers sit next to the arithmetic that gives them). They catch a broken
// kernel in milliseconds; the full comparison against ReferenceBackend lives in the parity suite.
// The last group runs kernels at sizes above CpuParallel's threshold (the parity suite's shapes
// are small), so the multi-threaded paths — chunked rows, per-chunk partial sums — meet the
// reference too.
// It deliberately is not: exhaustive (FsCheck parity does shapes, strides and dtypes at random).
using MoeFromScratch.Tensors.Reference;

namespace MoeFromScratch.PropertyTests.Cpu;

public class CpuKernelSmokeTests
{
    // Hand-worked values: |actual − expected| ≤ tolerance · max(1, |expected|).
    private static void Close(double[] actual, double[] expected, double tolerance = 1e-6) =>
        ArrayAssert.Close(actual, expected, Tolerance.Relative(tolerance), "CPU kernel vs worked value", scale: AtLeastOne(expected));

    // The error scale max(1, |expected|): absolute below 1, relative above.
    private static double[] AtLeastOne(double[] expected) => Array.ConvertAll(expected, e => Math.Max(1, Math.Abs(e)));

    private static Tensor F32(float[] data, params int[] shape) => Tensor.FromArray(data, shape);
    private static Tensor F64(double[] data, params int[] shape) => Tensor.FromArray(data, shape);

    [Fact]
    public void SoftmaxOfOneTwoThree()
    {
        using var scope = new TensorScope();
        var x = F32([1, 2, 3], 3);
        // e^(x-3) = [e^-2, e^-1, 1]; sum = 1.5032147; softmax = [0.0900306, 0.2447285, 0.6652410]
        Close(x.Softmax().ToDoubleArray(), [0.09003057, 0.24472847, 0.66524096]);
        // log-softmax = x - 3 - log(1.5032147) = x - 3.4076059
        Close(x.LogSoftmax().ToDoubleArray(), [-2.4076059, -1.4076059, -0.4076059]);
    }

    [Fact]
    public void SoftmaxOverAStridedAxisMatchesTheTransposedRows()
    {
        using var scope = new TensorScope();
        var x = F64([1, 4, 2, 5, 3, 6], 3, 2); // columns [1,2,3] and [4,5,6]
        var y = x.Softmax(0).ToDoubleArray();
        Close(y, [0.09003057, 0.09003057, 0.24472847, 0.24472847, 0.66524096, 0.66524096]);
    }

    [Fact]
    public void TopKKeepsTheLowerIndexFirstOnTies()
    {
        using var scope = new TensorScope();
        var x = F32([1, 3, 3, 2, 3], 1, 5);
        var (values, indices) = x.TopK(3);
        Assert.Equal([3f, 3f, 3f], values.ToArray<float>());
        Assert.Equal([1, 2, 4], indices.ToArray<int>());

        // k above the insertion limit takes the sorting path; same rule.
        var ramp = Enumerable.Range(0, 40).Select(i => (float)(i / 2)).ToArray(); // 0,0,1,1,...,19,19
        var (v2, i2) = F32(ramp, 40).TopK(40);
        Assert.Equal(19f, v2.ToArray<float>()[0]);
        Assert.Equal([38, 39, 36, 37], i2.ToArray<int>()[..4]);
    }

    [Fact]
    public void ArgMaxTiesPickTheLowestIndex()
    {
        using var scope = new TensorScope();
        var x = F32([5, 1, 5, 7, 7, 0], 2, 3);
        Assert.Equal([0, 0], x.ArgMax(1).ToArray<int>());   // rows [5,1,5] and [7,7,0]
        Assert.Equal([1, 1, 0], x.ArgMax(0).ToArray<int>()); // columns [5,7], [1,7], [5,0]
    }

    [Fact]
    public void RopeAtPositionZeroIsIdentityAndInverseUndoesIt()
    {
        using var scope = new TensorScope();
        var data = Enumerable.Range(0, 2 * 3 * 2 * 4).Select(i => (float)Math.Sin(i)).ToArray();
        var x = F32(data, 2, 3, 2, 4);
        var atZero = F32(data[..8], 1, 1, 2, 4);
        Close(atZero.Rope(0, 10000).ToDoubleArray(), atZero.ToDoubleArray());
        var there = x.Rope(5, 10000);
        Close(there.Rope(5, 10000, inverse: true).ToDoubleArray(), x.ToDoubleArray(), 1e-5);
    }

    [Fact]
    public void RopeRotatesPairIByPositionTimesFrequency()
    {
        using var scope = new TensorScope();
        // HS = 2: one pair, freq = theta^0 = 1, position 3 → angle 3.
        var y = F64([1, 2], 1, 1, 1, 2).Rope(3, 10000).ToDoubleArray();
        Close(y, [1 * Math.Cos(3) - 2 * Math.Sin(3), 2 * Math.Cos(3) + 1 * Math.Sin(3)], 1e-12);
    }

    [Fact]
    public void AdamWOneStepByHand()
    {
        using var scope = new TensorScope();
        // 37 elements: a Vector<T> body and a scalar tail, all with p = 1, g = 0.5.
        var p = F64(Enumerable.Repeat(1.0, 37).ToArray(), 37);
        var g = F64(Enumerable.Repeat(0.5, 37).ToArray(), 37);
        var m = Tensor.Zeros([37], DType.Float64);
        var v = Tensor.Zeros([37], DType.Float64);
        p.AdamWUpdate(g, m, v, new AdamWStep(0.1, 0.9, 0.999, 1e-8, 0.01, 1));
        // m = 0.1·0.5 = 0.05, v = 0.001·0.25 = 0.00025; m̂ = 0.5, v̂ = 0.25
        // p = 1 - 0.1·(0.5 / (0.5 + 1e-8) + 0.01·1) = 1 - 0.1·(0.99999998 + 0.01)
        double expected = 1 - 0.1 * (0.5 / (0.5 + 1e-8) + 0.01);
        Close(p.ToDoubleArray(), Enumerable.Repeat(expected, 37).ToArray(), 1e-14);
        Close(m.ToDoubleArray(), Enumerable.Repeat(0.05, 37).ToArray(), 1e-14);
        Close(v.ToDoubleArray(), Enumerable.Repeat(0.00025, 37).ToArray(), 1e-14);
    }

    [Fact]
    public void CrossEntropyOfUniformLogitsIsLogV()
    {
        using var scope = new TensorScope();
        const int V = 10;
        var logits = Tensor.Full([3, V], 0.7);
        var targets = Tensor.FromArray([2, -100, 9], [3]);
        Close(Tensor.CrossEntropy(logits, targets).ToDoubleArray(), [Math.Log(V), 0, Math.Log(V)], 1e-6);

        // dlogits = (1/V - onehot) · dloss; the ignored row is all zeros.
        var dlosses = F32([2, 5, 1], 3);
        var d = Tensor.CrossEntropyBackward(logits, targets, dlosses).ToDoubleArray();
        Assert.Equal(2 * (0.1 - 1), d[2], 6);
        Assert.Equal(2 * 0.1, d[0], 6);
        Assert.All(d[V..(2 * V)], e => Assert.Equal(0, e));
        Assert.Equal(0.1 - 1, d[2 * V + 9], 6);
    }

    [Fact]
    public void CrossEntropyRejectsAnOutOfRangeTarget()
    {
        using var scope = new TensorScope();
        var error = Assert.ThrowsAny<ArgumentException>(() => Tensor.CrossEntropy(Tensor.Zeros([2, 4]), Tensor.FromArray([1, 4], [2])));
        Assert.Contains("CrossEntropy", error.Message);
        Assert.Contains("index 4", error.Message);
    }

    [Fact]
    public void StridedAndBroadcastAdd()
    {
        using var scope = new TensorScope();
        var a = F32([1, 2, 3, 4, 5, 6], 2, 3);
        var row = F32([10, 20, 30], 3);
        Close((a + row).ToDoubleArray(), [11, 22, 33, 14, 25, 36]);
        var column = F32([100, 200], 2, 1);
        Close((a + column).ToDoubleArray(), [101, 102, 103, 204, 205, 206]);
        // aᵀ (3, 2) is a strided view: [[1,4],[2,5],[3,6]]
        var t = a.MT;
        Close((t + t).ToDoubleArray(), [2, 8, 4, 10, 6, 12]);
        Close((t * 0.5).ToDoubleArray(), [0.5, 2, 1, 2.5, 1.5, 3]);
        Close((a - row).ToDoubleArray(), [-9, -18, -27, -6, -15, -24]);
    }

    [Fact]
    public void LargeBroadcastOpsSplitAcrossThreadsAgreeWithAScalarLoop()
    {
        using var scope = new TensorScope();
        const int rows = 300, cols = 257; // 77K elements: above the parallel threshold, odd sizes
        var data = Enumerable.Range(0, rows * cols).Select(i => (float)Math.Cos(i * 0.01)).ToArray();
        var bias = Enumerable.Range(0, cols).Select(i => (float)i).ToArray();
        var x = F32(data, rows, cols);
        var sum = x.MT.Contiguous().MT.Mul(F32(bias, cols)).ToArray<float>();
        for (int i = 0; i < rows * cols; i++) Assert.Equal(data[i] * bias[i % cols], sum[i]);
        var colSums = x.Sum(0).ToDoubleArray();
        for (int j = 0; j < cols; j += 37)
            Assert.Equal(Enumerable.Range(0, rows).Sum(i => (double)data[i * cols + j]), colSums[j], 2);
    }

    [Fact]
    public void ReduceAlongEachAxis()
    {
        using var scope = new TensorScope();
        var x = F64([1, 5, 3, 4, 2, 6], 2, 3);
        Close(x.Sum(0).ToDoubleArray(), [5, 7, 9]);
        Close(x.Sum(1).ToDoubleArray(), [9, 12]);
        Close(x.Max(1).ToDoubleArray(), [5, 6]);
        Close(x.Min(0).ToDoubleArray(), [1, 2, 3]);
        Close(x.Sum().ToDoubleArray(), [21]);
    }

    [Fact]
    public void RmsNormByHand()
    {
        using var scope = new TensorScope();
        // mean(3², 4²) = 12.5, rstd = 1/sqrt(12.5) = 0.28284271; y = [3·r·1, 4·r·2]
        var (y, rstd) = F64([3, 4], 1, 2).RmsNorm(F64([1, 2], 2), 0);
        Close(rstd.ToDoubleArray(), [0.28284271247], 1e-10);
        Close(y.ToDoubleArray(), [0.84852813742, 2.26274169980], 1e-10);
        // backward with dy = [1, 0]: dot = 1·1·3 = 3; dx = r·w·dy - x·r³·dot/2
        var (dx, dw) = Tensor.RmsNormBackward(F64([1, 0], 1, 2), F64([3, 4], 1, 2), F64([1, 2], 2), rstd);
        double r = 1 / Math.Sqrt(12.5);
        Close(dx.ToDoubleArray(), [r - 3 * r * r * r * 3 / 2, -4 * r * r * r * 3 / 2], 1e-10);
        Close(dw.ToDoubleArray(), [3 * r, 0], 1e-10);
    }

    [Fact]
    public void GatherIndexSelectAndTheAdds()
    {
        using var scope = new TensorScope();
        var x = F32([1, 2, 3, 4, 5, 6], 3, 2);
        Close(x.IndexSelect(0, Tensor.FromArray([2, 0, 2], [3])).ToDoubleArray(), [5, 6, 1, 2, 5, 6]);
        Close(x.IndexSelect(1, Tensor.FromArray([1, 0, 0], [3])).ToDoubleArray().Take(3).ToArray(), [2, 1, 1]);
        Close(x.Gather(1, Tensor.FromArray([1, 0, 1], [3, 1])).ToDoubleArray(), [2, 3, 6]);
        var zeros = Tensor.Zeros([2, 2]);
        Close(zeros.IndexAdd(0, Tensor.FromArray([0, 0], [2]), F32([1, 2, 3, 4], 2, 2)).ToDoubleArray(), [4, 6, 0, 0]);
        Close(zeros.ScatterAdd(1, Tensor.FromArray([0, 0, 1, 1], [2, 2]), F32([1, 2, 3, 4], 2, 2)).ToDoubleArray(), [3, 0, 0, 7]);
        var error = Assert.ThrowsAny<ArgumentException>(() => x.IndexSelect(0, Tensor.FromArray([3], [1])));
        Assert.Contains("IndexSelect: index 3", error.Message);
        Assert.Contains("size 3", error.Message);
    }

    [Fact]
    public void CopyConvertsAndTruncatesTowardZero()
    {
        using var scope = new TensorScope();
        Assert.Equal([-1, 2, 0], F32([-1.7f, 2.9f, -0.2f], 3).Cast(DType.Int32).ToArray<int>());
        Close(F32([1.5f, -2f], 2).Cast(DType.Float64).ToDoubleArray(), [1.5, -2]);
    }

    [Fact]
    public void ComparisonsAndWhereWriteOnesAndZeros()
    {
        using var scope = new TensorScope();
        var a = F32([1, 2, 3], 3);
        var b = F32([2, 2, 2], 3);
        Close(a.Lt(b).ToDoubleArray(), [1, 0, 0]);
        Close(a.Eq(b).ToDoubleArray(), [0, 1, 0]);
        Close(Tensor.Where(a.Ge(b), a, b).ToDoubleArray(), [2, 2, 3]);
    }

    [Fact]
    public void MatMulAndGroupedMatMulByHand()
    {
        using var scope = new TensorScope();
        var a = F32([1, 2, 3, 4, 5, 6], 2, 3);
        var b = F32([1, 0, 0, 1, 1, 1], 3, 2);
        Close(a.MatMul(b).ToDoubleArray(), [4, 5, 10, 11]);
        Close(b.MT.MatMul(a.MT).ToDoubleArray(), [4, 10, 5, 11]); // (aᵀ strides) = (ab)ᵀ

        // Two experts: rows 0..1 → w0 = identity, row 2 → w1 = 2·identity; group 2 is empty.
        var x = F32([1, 2, 3, 4, 5, 6], 3, 2);
        var w = F32([1, 0, 0, 1, 2, 0, 0, 2, 9, 9, 9, 9], 3, 2, 2);
        var offsets = Tensor.FromArray([0, 2, 3, 3], [4]);
        Close(Tensor.GroupedMatMul(x, w, offsets).ToDoubleArray(), [1, 2, 3, 4, 10, 12]);
        var dw = Tensor.GroupedMatMulWeightGrad(x, F32([1, 0, 0, 1, 1, 1], 3, 2), offsets).ToDoubleArray();
        // dw0 = [[1,3],[2,4]]ᵀ-style: x0ᵀ·dy0 = [[1,3],[2,4]]; dw1 = [5,6]ᵀ·[1,1]; dw2 = 0
        Close(dw, [1, 3, 2, 4, 5, 5, 6, 6, 0, 0, 0, 0]);
    }

    // ---- above the parallel threshold, against ReferenceBackend in float64 -----------------------

    private static readonly ReferenceBackend Reference = new();

    /// <summary>Runs kernel on the CPU and on the reference with the same inputs; compares every output.</summary>
    private static void MatchesReference(Func<IBackend, Tensor[]> kernel, double tolerance = 1e-10)
    {
        using var scope = new TensorScope();
        var actual = kernel(Device.Cpu);
        var expected = kernel(Reference);
        for (int o = 0; o < actual.Length; o++)
        {
            var e = expected[o].ToDoubleArray();
            ArrayAssert.Close(actual[o].ToDoubleArray(), e, Tolerance.Relative(tolerance), $"output {o}: cpu vs reference",
                shape: actual[o].Shape, scale: AtLeastOne(e));
        }
    }

    private static Tensor Random(IBackend on, int[] shape, ulong seed) => Tensor.RandN(shape, seed, dtype: DType.Float64, backend: on);

    private static Tensor Ids(IBackend on, int count, int modulo) =>
        Tensor.FromArray(Enumerable.Range(0, count).Select(i => i * 7919 % modulo).ToArray(), [count], on);

    [Fact]
    public void LargeElementwiseAndReductions() => MatchesReference(on =>
    {
        var x = Random(on, [300, 257], 1);
        var row = Random(on, [257], 2);
        var sum = x.Add(row);
        var silu = x.Silu();
        var where = Tensor.Where(x.Gt(row), x, row);
        var masked = Tensor.Where(x.Le(row), Tensor.Scalar(0, DType.Float64, on), x); // a broadcast zero branch
        return [sum, silu, where, masked, x.Ne(row), x.Sum(0), x.Sum(1), x.Max(0), x.ArgMax(0), x.MT.Contiguous()];
    });

    [Fact]
    public void LargeRowKernels() => MatchesReference(on =>
    {
        var x = Random(on, [300, 257], 3);
        var weight = Random(on, [257], 4);
        var (y, rstd) = x.RmsNorm(weight, 1e-6);
        var (dx, dw) = Tensor.RmsNormBackward(Random(on, [300, 257], 5), x, weight, rstd);
        var targets = Ids(on, 300, 257);
        var losses = Tensor.CrossEntropy(x, targets);
        var dlogits = Tensor.CrossEntropyBackward(x, targets, Random(on, [300], 6));
        var (values, indices) = x.TopK(5);
        return [y, rstd, dx, dw, x.Softmax(), x.LogSoftmax(0), losses, dlogits, values, indices];
    });

    [Fact]
    public void LargeIndexingRopeAdamWAndRandom() => MatchesReference(on =>
    {
        var table = Random(on, [500, 128], 7);
        var ids = Ids(on, 400, 500);
        var rows = table.IndexSelect(0, ids);
        var added = table.IndexAdd(0, ids, rows);
        var rope = Random(on, [4, 64, 4, 64], 8).Rope(3, 10000);
        var p = Random(on, [70_001], 9);
        var g = Random(on, [70_001], 10);
        var m = Random(on, [70_001], 11);
        var v = Random(on, [70_001], 12).Square();
        p.AdamWUpdate(g, m, v, new AdamWStep(1e-3, 0.9, 0.95, 1e-8, 0.1, 7));
        return [rows, added, rope, p, m, v, Tensor.Rand([70_001], 13, dtype: DType.Float64, backend: on)];
    });

    [Fact]
    public void SmallGemmsSpreadAcrossCoresMatchTheReference() => MatchesReference(on =>
    {
        // 16 batch entries of 20×30×25: each GEMM is small, so the batch itself is split.
        var a = Random(on, [16, 20, 30], 14);
        var b = Random(on, [16, 30, 25], 15);
        // 6 experts over 200 rows, one of them empty: offsets 0, 40, 40, 90, 130, 170, 200.
        var x = Random(on, [200, 30], 16);
        var w = Random(on, [6, 30, 25], 17);
        var offsets = Tensor.FromArray([0, 40, 40, 90, 130, 170, 200], [7], on);
        var y = Tensor.GroupedMatMul(x, w, offsets);
        var dw = Tensor.GroupedMatMulWeightGrad(x, Random(on, [200, 25], 18), offsets);
        return [a.MatMul(b), a.MatMul(b.Select(0, 3)), y, dw];
    });

    [Fact]
    public void ManyExpertsSpreadAcrossCoresMatchTheReference() => MatchesReference(on =>
    {
        // 40 experts (cores claim whole experts): sizes 0..144 rows, so some are empty, some take
        // Gemm's direct small path and some its blocked one. Forward, the dx pass (wᵀ as a strided
        // view), weight grad.
        var sizes = Enumerable.Range(0, 40).Select(g => g % 9 == 4 ? 0 : g * 37 % 145).ToArray();
        var offsets = new int[41];
        for (int g = 0; g < 40; g++) offsets[g + 1] = offsets[g] + sizes[g];
        int rows = offsets[40];
        var x = Random(on, [rows, 70], 19);
        var w = Random(on, [40, 70, 45], 20);
        var dy = Random(on, [rows, 45], 21);
        var bounds = Tensor.FromArray(offsets, [41], on);
        return [Tensor.GroupedMatMul(x, w, bounds), Tensor.GroupedMatMul(dy, w.Transpose(1, 2), bounds), Tensor.GroupedMatMulWeightGrad(x, dy, bounds)];
    });
}
