// Elementwise kernels on Vulkan: fill, copy (strided both sides, dtype conversion) against host
// indexing; unary and binary with broadcasting against ReferenceBackend in float64, rounded to
// float32; where.
// Shapes include size 1, odd sizes and non-contiguous views (transposes, narrows, stride-0 expands).

namespace MoeFromScratch.PropertyTests.Vulkan;

[Collection("Vulkan")]
public sealed class ElementwiseTests
{
    private static IBackend Gpu => VulkanTestDevice.Backend;

    internal static float[] Values(int n, int seed, double scale = 2)
    {
        var r = new System.Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)((r.NextDouble() * 2 - 1) * scale)).ToArray();
    }

    [VulkanFact]
    public void Fill_writes_every_element_of_float_and_int_tensors()
    {
        using var f = Tensor.Full([3, 5], 2.5, DType.Float32, Gpu);
        using var i = Tensor.Full([7], -3, DType.Int32, Gpu);
        Assert.All(f.ToArray<float>(), v => Assert.Equal(2.5f, v));
        Assert.All(i.ToArray<int>(), v => Assert.Equal(-3, v));
    }

    [VulkanFact]
    public void Copy_of_transposed_and_narrowed_views_matches_host_indexing()
    {
        var data = Values(4 * 6, 1);
        using var x = Tensor.FromArray(data, [4, 6], Gpu);
        using var t = x.MT;                       // (6, 4) view with strides (1, 6)
        using var n = t.Narrow(0, 1, 3);          // rows 1..3
        var got = n.ToArray<float>();             // Contiguous() -> copy kernel
        var expected = new double[3 * 4];
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 4; c++)
                expected[r * 4 + c] = data[c * 6 + (r + 1)];
        ArrayAssert.Close(Array.ConvertAll(got, v => (double)v), expected, Tolerance.Exact, "copy");
    }

    [VulkanFact]
    public void Copy_into_a_strided_destination_and_across_dtypes()
    {
        using var x = Tensor.FromArray(new[] { 1.7f, -2.2f, 3.9f, 4f, 0.5f, -0.5f }, [2, 3], Gpu);
        using var asInt = x.Cast(DType.Int32);
        Assert.Equal(new[] { 1, -2, 3, 4, 0, 0 }, asInt.ToArray<int>());
        using var back = asInt.Cast(DType.Float32);
        Assert.Equal(new[] { 1f, -2f, 3f, 4f, 0f, 0f }, back.ToArray<float>());

        using var y = Tensor.Zeros([3, 4], DType.Float32, Gpu);
        using var slot = y.Narrow(1, 1, 2).MT;    // (2, 3) view into y's columns 1..2
        Gpu.Copy(x, slot);
        Assert.Equal(new[] { 0f, 1.7f, 4f, 0f, 0f, -2.2f, 0.5f, 0f, 0f, 3.9f, -0.5f, 0f }, y.ToArray<float>());
    }

    public static TheoryData<UnaryOp> UnaryOps => new(Enum.GetValues<UnaryOp>());

    [VulkanTheory, MemberData(nameof(UnaryOps))]
    public void Unary_matches_the_reference_in_float64(UnaryOp op)
    {
        var data = Values(37, 2, scale: 3);
        if (op is UnaryOp.Log or UnaryOp.Sqrt or UnaryOp.Rsqrt) data = Array.ConvertAll(data, v => Math.Abs(v) + 0.1f);
        using var x = Tensor.FromArray(data, [37], Gpu);
        using var y = x.Apply(op);
        var expected = ReferenceOracle.Values(() => ReferenceOracle.Float64(data, 37).Apply(op).Cast(DType.Float32));
        ArrayAssert.Close(y.ToDoubleArray(), expected, new(2e-6, 2e-5), $"unary {op}");
    }

    public static TheoryData<BinaryOp> BinaryOps => new(Enum.GetValues<BinaryOp>());

    [VulkanTheory, MemberData(nameof(BinaryOps))]
    public void Binary_broadcasts_over_strided_operands(BinaryOp op)
    {
        var a = Values(5 * 3, 3, scale: 2);
        var b = Values(5, 4, scale: 2);
        if (op == BinaryOp.Pow) a = Array.ConvertAll(a, v => Math.Abs(v) + 0.1f);
        b[2] = a[2 * 3 + 0];                              // one exact tie for the comparisons
        using var ta = Tensor.FromArray(a, [3, 5], Gpu);   // used transposed: (5, 3)
        using var tb = Tensor.FromArray(b, [5, 1], Gpu);   // broadcast along the last axis
        using var at = ta.MT;
        using var y = Tensor.Apply(op, at, tb);
        var expected = ReferenceOracle.Values(() => Tensor.Apply(op, ReferenceOracle.Float64(a, 3, 5).MT, ReferenceOracle.Float64(b, 5, 1)).Cast(DType.Float32));
        ArrayAssert.Close(y.ToDoubleArray(), expected, new(1e-6, 1e-5), $"binary {op}");
    }

    [VulkanFact]
    public void Binary_on_int32_is_exact()
    {
        using var a = Tensor.FromArray(new[] { 7, -7, 100000007, 3 }, [4], Gpu);
        using var b = Tensor.FromArray(new[] { 2, 2, 3, 3 }, [4], Gpu);
        using var sum = a.Add(b);
        using var quotient = a.Div(b);
        using var eq = a.Eq(b);
        Assert.Equal(new[] { 9, -5, 100000010, 6 }, sum.ToArray<int>());
        Assert.Equal(new[] { 3, -3, 33333335, 1 }, quotient.ToArray<int>());
        Assert.Equal(new[] { 0, 0, 0, 1 }, eq.ToArray<int>());
    }

    [VulkanFact]
    public void Where_picks_by_condition_with_broadcast()
    {
        using var cond = Tensor.FromArray(new[] { 1, 0, 1 }, [3, 1], Gpu);
        using var a = Tensor.FromArray(new[] { 1f, 2f }, [1, 2], Gpu);
        using var b = Tensor.Full([3, 2], -1, DType.Float32, Gpu);
        using var y = Tensor.Where(cond, a, b);
        Assert.Equal(new[] { 1f, 2f, -1f, -1f, 1f, 2f }, y.ToArray<float>());
    }
}
