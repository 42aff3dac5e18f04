// MatMul through the Tensor API: batch axes broadcast like NumPy's matmul, a 2-D right operand is
// shared by every batch entry, transposed operands are plain views, and K = 0 gives zeros. The
// oracle is a host triple loop over the broadcast batch.
using static MoeFromScratch.PropertyTests.Tensors.OnReference;

namespace MoeFromScratch.PropertyTests.Tensors;

public class MatMulTests
{
    [Property(MaxTest = 60)]
    public void MatMulMatchesATripleLoopOverTheBroadcastBatch(int m, int k, int n, int batchA, int batchB, bool rank2B, bool transposeA, int seed)
    {
        using var scope = new TensorScope();
        int M = Size(m), K = Size(k), N = Size(n), Ba = 1 + Size(batchA, 2), Bb = rank2B ? 1 : (Size(batchB, 1) == 0 ? 1 : Ba);
        // a: (Ba, M, K), possibly stored as (Ba, K, M) and transposed; b: (K, N) or (Bb, K, N) with Bb ∈ {1, Ba}.
        var a = transposeA ? Rand([Ba, K, M], seed).MT : Rand([Ba, M, K], seed);
        var b = rank2B ? Rand([K, N], seed + 1) : Rand([Bb, K, N], seed + 1);
        var c = a.MatMul(b);
        Assert.Equal([Ba, M, N], c.Shape);

        double[] hostA = a.ToDoubleArray(), hostB = b.ToDoubleArray();
        var expected = new double[Ba * M * N];
        for (int batch = 0; batch < Ba; batch++)
            for (int i = 0; i < M; i++)
                for (int j = 0; j < N; j++)
                    for (int p = 0; p < K; p++)
                        expected[(batch * M + i) * N + j] += hostA[(batch * M + i) * K + p] * hostB[((Bb == 1 ? 0 : batch) * K + p) * N + j];
        ArrayAssert.Close(c.ToDoubleArray(), expected, Tolerance.Absolute(1e-12), $"MatMul {Shape.Format(a.Shape)} @ {Shape.Format(b.Shape)}");
    }
}
