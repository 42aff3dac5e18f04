// MatMul, GroupedMatMul and its weight gradient on Vulkan against ReferenceBackend in float64.
// Shapes cover the tiled kernel (including non-multiples of the 64×64 tile and of the K-step 16),
// the skinny kernel (M or N tiny), transposed operands, broadcast batches, and empty MoE groups.

namespace MoeFromScratch.PropertyTests.Vulkan;

[Collection("Vulkan")]
public sealed class MatMulTests
{
    private static IBackend Gpu => VulkanTestDevice.Backend;

    [VulkanTheory]
    [InlineData(1, 64, 16, 64)]
    [InlineData(2, 70, 33, 65)]
    [InlineData(3, 5, 17, 129)]
    [InlineData(1, 1, 100, 70)]    // row vector: skinny
    [InlineData(2, 67, 40, 1)]     // matrix-vector: skinny, transposed
    [InlineData(1, 3, 1, 3)]
    public void MatMul_matches_the_reference(int batches, int M, int K, int N)
    {
        var a = ElementwiseTests.Values(batches * M * K, 10);
        var b = ElementwiseTests.Values(batches * K * N, 11);
        using var ta = Tensor.FromArray(a, [batches, M, K], Gpu);
        using var tb = Tensor.FromArray(b, [batches, K, N], Gpu);
        using var c = ta.MatMul(tb);
        ArrayAssert.Close(c.ToDoubleArray(), ReferenceOracle.Values(() => ReferenceOracle.Float64(a, batches, M, K).MatMul(ReferenceOracle.Float64(b, batches, K, N))), new(1e-4, 1e-4), $"matmul ({batches},{M},{K})@({batches},{K},{N})");
    }

    [VulkanTheory]
    [InlineData(70, 20, 66)]
    [InlineData(3, 20, 9)]
    public void MatMul_takes_transposed_operands_through_strides(int M, int K, int N)
    {
        var aT = ElementwiseTests.Values(K * M, 12);   // stored (K, M), used as its transpose
        var bT = ElementwiseTests.Values(N * K, 13);   // stored (N, K)
        using var ta = Tensor.FromArray(aT, [K, M], Gpu);
        using var tb = Tensor.FromArray(bT, [N, K], Gpu);
        using var at = ta.MT;
        using var bt = tb.MT;
        using var c = at.MatMul(bt);
        var expected = ReferenceOracle.Values(() => ReferenceOracle.Float64(aT, K, M).MT.MatMul(ReferenceOracle.Float64(bT, N, K).MT));
        ArrayAssert.Close(c.ToDoubleArray(), expected, new(1e-4, 1e-4), "matmul transposed");
    }

    [VulkanFact]
    public void MatMul_broadcasts_a_batch_stride_of_zero()
    {
        int batches = 3, M = 9, K = 7, N = 11;
        var a = ElementwiseTests.Values(batches * M * K, 14);
        var b = ElementwiseTests.Values(K * N, 15);
        using var ta = Tensor.FromArray(a, [batches, M, K], Gpu);
        using var tb = Tensor.FromArray(b, [1, K, N], Gpu);
        using var c = ta.MatMul(tb);
        ArrayAssert.Close(c.ToDoubleArray(), ReferenceOracle.Values(() => ReferenceOracle.Float64(a, batches, M, K).MatMul(ReferenceOracle.Float64(b, 1, K, N))), new(1e-4, 1e-4), "matmul broadcast");
    }

    [VulkanFact]
    public void GroupedMatMul_and_weight_grad_match_the_reference()
    {
        int K = 19, M = 70;
        int[] offsets = [0, 5, 5, 75, 80];                // group 1 is empty; group 2 spans two row tiles
        int N = offsets[^1], G = offsets.Length - 1;
        var x = ElementwiseTests.Values(N * K, 16);
        var w = ElementwiseTests.Values(G * K * M, 17);
        var dy = ElementwiseTests.Values(N * M, 18);
        using var tx = Tensor.FromArray(x, [N, K], Gpu);
        using var tw = Tensor.FromArray(w, [G, K, M], Gpu);
        using var tdy = Tensor.FromArray(dy, [N, M], Gpu);
        using var toff = Tensor.FromArray(offsets, [G + 1], Gpu);
        using var y = Tensor.GroupedMatMul(tx, tw, toff);
        using var dw = Tensor.GroupedMatMulWeightGrad(tx, tdy, toff);

        var expectedY = ReferenceOracle.Values(() => Tensor.GroupedMatMul(ReferenceOracle.Float64(x, N, K), ReferenceOracle.Float64(w, G, K, M), ReferenceOracle.Int32(offsets, G + 1)));
        var expectedDw = ReferenceOracle.Values(() => Tensor.GroupedMatMulWeightGrad(ReferenceOracle.Float64(x, N, K), ReferenceOracle.Float64(dy, N, M), ReferenceOracle.Int32(offsets, G + 1)));
        ArrayAssert.Close(y.ToDoubleArray(), expectedY, new(1e-4, 1e-4), "grouped matmul");
        ArrayAssert.Close(dw.ToDoubleArray(), expectedDw, new(1e-4, 1e-4), "grouped matmul weight grad");
    }
}
