// MatMul, GroupedMatMul and its weight gradient on Vulkan against host triple loops in double.
// Shapes cover the tiled kernel (including non-multiples of the 64×64 tile and of the K-step 16),
// the skinny kernel (M or N tiny), transposed operands, broadcast batches, and empty MoE groups.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.PropertyTests.Vulkan;

[Collection("Vulkan")]
public sealed class MatMulTests
{
    private static IBackend Gpu => VulkanTestDevice.Backend;

    // c[b, m, n] = Σ_k a[b, m, k] · b[b, k, n], inputs given as row-major host arrays.
    private static double[] HostMatMul(float[] a, float[] b, int batches, int M, int K, int N, bool broadcastB = false)
    {
        var c = new double[batches * M * N];
        for (int bt = 0; bt < batches; bt++)
            for (int m = 0; m < M; m++)
                for (int n = 0; n < N; n++)
                {
                    double s = 0;
                    for (int k = 0; k < K; k++)
                        s += a[(bt * M + m) * K + k] * (double)b[((broadcastB ? 0 : bt) * K + k) * N + n];
                    c[(bt * M + m) * N + n] = s;
                }
        return c;
    }

    [VulkanTheory]
    [InlineData(1, 64, 16, 64)]
    [InlineData(2, 70, 33, 65)]
    [InlineData(3, 5, 17, 129)]
    [InlineData(1, 1, 100, 70)]    // row vector: skinny
    [InlineData(2, 67, 40, 1)]     // matrix-vector: skinny, transposed
    [InlineData(1, 3, 1, 3)]
    public void MatMul_matches_host_loops(int batches, int M, int K, int N)
    {
        var a = ElementwiseTests.Values(batches * M * K, 10);
        var b = ElementwiseTests.Values(batches * K * N, 11);
        using var ta = Tensor.FromArray(a, [batches, M, K], Gpu);
        using var tb = Tensor.FromArray(b, [batches, K, N], Gpu);
        using var c = ta.MatMul(tb);
        Compare.Close($"matmul ({batches},{M},{K})@({batches},{K},{N})", HostMatMul(a, b, batches, M, K, N), c.ToDoubleArray(), 1e-4, 1e-4);
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
        var a = new float[M * K];
        var b = new float[K * N];
        for (int m = 0; m < M; m++) for (int k = 0; k < K; k++) a[m * K + k] = aT[k * M + m];
        for (int k = 0; k < K; k++) for (int n = 0; n < N; n++) b[k * N + n] = bT[n * K + k];
        Compare.Close("matmul transposed", HostMatMul(a, b, 1, M, K, N), c.ToDoubleArray(), 1e-4, 1e-4);
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
        Compare.Close("matmul broadcast", HostMatMul(a, b, batches, M, K, N, broadcastB: true), c.ToDoubleArray(), 1e-4, 1e-4);
    }

    [VulkanFact]
    public void GroupedMatMul_and_weight_grad_match_per_group_products()
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

        var expectedY = new double[N * M];
        var expectedDw = new double[G * K * M];
        for (int g = 0; g < G; g++)
            for (int r = offsets[g]; r < offsets[g + 1]; r++)
                for (int m = 0; m < M; m++)
                    for (int k = 0; k < K; k++)
                    {
                        expectedY[r * M + m] += x[r * K + k] * (double)w[(g * K + k) * M + m];
                        expectedDw[(g * K + k) * M + m] += x[r * K + k] * (double)dy[r * M + m];
                    }
        Compare.Close("grouped matmul", expectedY, y.ToDoubleArray(), 1e-4, 1e-4);
        Compare.Close("grouped matmul weight grad", expectedDw, dw.ToDoubleArray(), 1e-4, 1e-4);
    }
}
