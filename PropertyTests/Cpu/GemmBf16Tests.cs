// The bf16 GEMM (A and B stored as bfloat16, C float32) against its definition: the float GEMM of
// the widened operands. Widening is exact and happens in the packing step, so the two must agree
// bit for bit — on every generated shape, stride, transpose, accumulate mode, micro-kernel family
// and path (direct, blocked, threaded with the shared packed operand), padding of C untouched.
// What this cannot see, the float GEMM's own tests do (GemmTests: against GemmReference).
using MoeFromScratch.Tensors;
using MoeFromScratch.Tensors.Cpu;

namespace MoeFromScratch.PropertyTests.Cpu;

public sealed unsafe class GemmBf16Tests
{
    [Property(Arbitrary = [typeof(GemmArbitraries)], MaxTest = 150)]
    public void Bf16_is_the_float_gemm_of_the_widened_operands(GemmCase g) => CheckBitwise(g);

    // Large enough to split over the pool: by columns (A shared) and by rows (B shared), P chunked or not.
    [Theory]
    [InlineData(384, 512, 256, false, true, true, false)]
    [InlineData(1000, 40, 300, false, false, true, false)]
    [InlineData(390, 700, 1100, true, false, false, true)]
    [InlineData(1300, 200, 900, false, true, false, true)]
    public void Bf16_threaded_path_is_the_float_gemm_of_the_widened_operands(int m, int n, int p, bool transA, bool transB, bool accumulate, bool chunked)
    {
        GemmParallel.t_sharedPackBytesOverride = chunked ? 1 : null;
        try
        {
            CheckBitwise(new GemmCase(m, n, p, transA, transB, 3, accumulate, (int)GemmIsaSelection.Detected, false, m + p));
        }
        finally
        {
            GemmParallel.t_sharedPackBytesOverride = null;
        }
    }

    private static void CheckBitwise(GemmCase g)
    {
        int m = g.M, n = g.N, p = g.P;
        var (aElements, bElements, ars, acs, brs, bcs, ldc) = g.Layout();

        var rng = new Random(g.Seed);
        BFloat16[] a = RandomBf16(rng, aElements), b = RandomBf16(rng, bElements);
        float[] wideA = [.. a.Select(x => x.ToSingle())], wideB = [.. b.Select(x => x.ToSingle())];
        float[] c0 = [.. Enumerable.Range(0, (int)(m * ldc + 1)).Select(_ => (float)(rng.NextDouble() * 2 - 1))];
        float[] expected = (float[])c0.Clone(), actual = (float[])c0.Clone();

        GemmIsaSelection.Override = (GemmIsa)g.Isa;
        Gemm.t_smallThresholdOverride = g.ForceBlocked ? 0 : null;
        // Both calls take the pool when they split, so they run the same partition.
        WorkerPool.t_waitForPool = true;
        try
        {
            fixed (BFloat16* pa = a, pb = b)
            fixed (float* wa = wideA, wb = wideB, pe = expected, pc = actual)
            {
                Gemm.Multiply(m, n, p, wa, ars, acs, wb, brs, bcs, pe, ldc, g.Accumulate);
                Gemm.Multiply(m, n, p, pa, ars, acs, pb, brs, bcs, pc, ldc, g.Accumulate);
            }
        }
        finally
        {
            GemmIsaSelection.Override = null;
            Gemm.t_smallThresholdOverride = null;
            WorkerPool.t_waitForPool = false;
        }

        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{g}: C[{i}] bf16 GEMM {actual[i]:R}, float GEMM of the widened operands {expected[i]:R}");
    }

    private static BFloat16[] RandomBf16(Random rng, long count)
    {
        var values = new BFloat16[count];
        for (long i = 0; i < count; i++) values[i] = BFloat16.FromSingle((float)(rng.NextDouble() * 2 - 1));
        return values;
    }
}
