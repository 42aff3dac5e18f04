// Property tests for the CPU GEMM: Gemm.Multiply must agree with GemmReference (the triple-loop
// specification) on generated shapes, strides (all transpose combinations, padded leading dimensions),
// accumulate on/off, float and double, every micro-kernel family and both the direct and blocked paths.
// Agreement is judged per element relative to sum_p |A[i,p]| |B[p,j]| (+ |C0| when accumulating), the
// scale of the rounding error any summation order can make; the bound is tight (1e-5 float, 1e-12 double).
using System.Numerics;
using MoeFromScratch.Tensors.Cpu;

namespace MoeFromScratch.PropertyTests.Cpu;

/// <summary>One generated multiply: shape, layout, mode and the code path to force.</summary>
public sealed record GemmCase(int M, int N, int P, bool TransA, bool TransB, int Pad, bool Accumulate, int Isa, bool ForceBlocked, int Seed)
{
    /// <summary>
    /// Stored A is m x p (or p x m when transposed), B is p x n (or n x p), each with padded rows (and
    /// one element past the end); C is m x n with row stride n + pad.
    /// </summary>
    public (long AElements, long BElements, long Ars, long Acs, long Brs, long Bcs, long Ldc) Layout()
    {
        long aRows = TransA ? P : M, aCols = (TransA ? M : P) + Pad;
        long bRows = TransB ? N : P, bCols = (TransB ? P : N) + Pad;
        return (aRows * aCols + 1, bRows * bCols + 1, TransA ? 1 : aCols, TransA ? aCols : 1, TransB ? 1 : bCols, TransB ? bCols : 1, N + Pad);
    }

    public override string ToString() =>
        $"m={M} n={N} p={P} transA={TransA} transB={TransB} pad={Pad} accumulate={Accumulate} isa={(GemmIsa)Isa} forceBlocked={ForceBlocked} seed={Seed}";
}

public static class GemmArbitraries
{
    // Sizes around the tile edges (MR = 4/6, NR = 4/8/16/32) and the degenerate ones.
    private static readonly int[] EdgeSizes = [0, 1, 2, 3, 5, 6, 7, 8, 12, 13, 15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65, 97, 127, 150];

    private static Gen<int> Size() =>
        Gen.OneOf(Gen.Elements(EdgeSizes), Gen.Choose(0, 150));

    public static Arbitrary<GemmCase> Cases() =>
        (from m in Size()
         from n in Size()
         from p in Size()
         from transA in ArbMap.Default.GeneratorFor<bool>()
         from transB in ArbMap.Default.GeneratorFor<bool>()
         from pad in Gen.Elements(0, 0, 3)
         from accumulate in ArbMap.Default.GeneratorFor<bool>()
             // Mostly the detected kernel; the others often enough to be covered on every machine.
         from isa in Gen.Elements((int)GemmIsaSelection.Detected, (int)GemmIsaSelection.Detected, 0, 1, 2)
         from forceBlocked in ArbMap.Default.GeneratorFor<bool>()
         from seed in Gen.Choose(0, int.MaxValue)
         select new GemmCase(m, n, p, transA, transB, pad, accumulate, isa, forceBlocked, seed)).ToArbitrary();
}

public sealed unsafe class GemmTests
{
    private const double FloatTolerance = 1e-5;
    private const double DoubleTolerance = 1e-12;

    [Property(Arbitrary = [typeof(GemmArbitraries)], MaxTest = 150)]
    public void Float_matches_reference(GemmCase g) => Check<float>(g, FloatTolerance);

    [Property(Arbitrary = [typeof(GemmArbitraries)], MaxTest = 100)]
    public void Double_matches_reference(GemmCase g) => Check<double>(g, DoubleTolerance);

    // Shapes that cross the PC (p > 256), MC (m > 144) and tile boundaries in every dimension at once.
    [Theory]
    [InlineData(300, 257, 513, false, false, false)]
    [InlineData(300, 257, 513, true, true, true)]
    [InlineData(145, 290, 600, true, false, true)]
    [InlineData(433, 71, 260, false, true, false)]
    public void Float_large_shapes_cross_block_boundaries(int m, int n, int p, bool transA, bool transB, bool accumulate)
    {
        Check<float>(new GemmCase(m, n, p, transA, transB, 1, accumulate, (int)GemmIsaSelection.Detected, false, m * 31 + n), FloatTolerance);
        Check<double>(new GemmCase(m, n, p, transA, transB, 0, accumulate, (int)GemmIsaSelection.Detected, false, p), DoubleTolerance);
    }

    // Big enough that the work is split over every core: wide (split by columns, A packed once and
    // shared) and tall (by rows, B shared), with the shared buffer either holding all of P or so small
    // that P is cut into several chunks (the last one ragged), each accumulating onto the one before.
    [Theory]
    [InlineData(384, 512, 256, false, true, true, false)]
    [InlineData(1000, 40, 300, false, false, true, false)]
    [InlineData(390, 700, 1100, true, false, false, true)]
    [InlineData(1300, 200, 900, true, true, false, true)]
    [InlineData(1300, 200, 900, false, true, true, true)]
    public void Float_threaded_path_matches_reference(int m, int n, int p, bool transA, bool transB, bool accumulate, bool chunked)
    {
        Assert.True(GemmParallel.PartsFor(m, n, p, 6, 16) >= Math.Min(Environment.ProcessorCount, 64) || Environment.ProcessorCount == 1,
            "shape too small to use every worker");
        // A budget below one PC-deep slice of the shared operand still packs one slice per chunk, so P is
        // then cut into ceil(p / PC) chunks.
        GemmParallel.t_sharedPackBytesOverride = chunked ? 1 : null;
        WorkerPool.t_waitForPool = true;
        try
        {
            Check<float>(new GemmCase(m, n, p, transA, transB, 3, accumulate, (int)GemmIsaSelection.Detected, false, m + p), FloatTolerance);
            Check<double>(new GemmCase(m, n, p, transA, transB, 0, accumulate, (int)GemmIsaSelection.Detected, false, n + p), DoubleTolerance);
        }
        finally
        {
            GemmParallel.t_sharedPackBytesOverride = null;
            WorkerPool.t_waitForPool = false;
        }
    }

    // Concurrent callers contend for the worker pool; the losers must run serially and still be right.
    [Fact]
    public void Float_concurrent_callers_are_correct()
    {
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
            Check<float>(new GemmCase(200, 210, 190, t % 2 == 0, t / 2 == 0, 0, false, (int)GemmIsaSelection.Detected, false, t), FloatTolerance));
    }

    [Fact]
    public void K_zero_zeroes_or_keeps_C()
    {
        var c = new float[] { 1, 2, 3, 4, 5, 6 };
        fixed (float* pc = c)
        {
            Gemm.Multiply(2, 3, 0, (float*)null, 0, 1, (float*)null, 3, 1, pc, 3, accumulate: true);
            Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, c);
            Gemm.Multiply(2, 3, 0, (float*)null, 0, 1, (float*)null, 3, 1, pc, 3, accumulate: false);
            Assert.All(c, x => Assert.Equal(0f, x));
        }
    }

    private static void Check<T>(GemmCase g, double tolerance) where T : unmanaged, INumber<T>
    {
        int m = g.M, n = g.N, p = g.P;
        var (aElements, bElements, ars, acs, brs, bcs, ldc) = g.Layout();

        var rng = new Random(g.Seed);
        T[] a = Random<T>(rng, aElements), b = Random<T>(rng, bElements);
        T[] c0 = Random<T>(rng, m * ldc + 1);
        T[] expected = (T[])c0.Clone(), actual = (T[])c0.Clone();

        fixed (T* pa = a, pb = b, pe = expected, pc = actual)
        {
            if (typeof(T) == typeof(float))
            {
                GemmReference.Multiply(m, n, p, (float*)pa, ars, acs, (float*)pb, brs, bcs, (float*)pe, ldc, g.Accumulate);
            }
            else
            {
                GemmReference.Multiply(m, n, p, (double*)pa, ars, acs, (double*)pb, brs, bcs, (double*)pe, ldc, g.Accumulate);
            }

            GemmIsaSelection.Override = (GemmIsa)g.Isa;
            Gemm.t_smallThresholdOverride = g.ForceBlocked ? 0 : null;
            try
            {
                if (typeof(T) == typeof(float))
                {
                    Gemm.Multiply(m, n, p, (float*)pa, ars, acs, (float*)pb, brs, bcs, (float*)pc, ldc, g.Accumulate);
                }
                else
                {
                    Gemm.Multiply(m, n, p, (double*)pa, ars, acs, (double*)pb, brs, bcs, (double*)pc, ldc, g.Accumulate);
                }
            }
            finally
            {
                GemmIsaSelection.Override = null;
                Gemm.t_smallThresholdOverride = null;
            }
        }

        Compare(g, a, ars, acs, b, brs, bcs, c0, ldc, expected, actual, tolerance);
    }

    private static void Compare<T>(GemmCase g, T[] a, long ars, long acs, T[] b, long brs, long bcs, T[] c0, long ldc, T[] expected, T[] actual, double tolerance)
        where T : unmanaged, INumber<T>
    {
        // C's m x n elements, each with its error scale; the padding between rows of C belongs to
        // someone else and must be untouched.
        var got = new List<double>();
        var want = new List<double>();
        var scale = new List<double>();
        var padding = new List<double>();
        var paddingBefore = new List<double>();
        for (int i = 0; i < g.M; i++)
        {
            for (int j = 0; j < ldc; j++)
            {
                long at = i * ldc + j;
                if (j >= g.N)
                {
                    padding.Add(double.CreateChecked(actual[at]));
                    paddingBefore.Add(double.CreateChecked(c0[at]));
                    continue;
                }
                double s = g.Accumulate ? Math.Abs(double.CreateChecked(c0[at])) : 0;
                for (int q = 0; q < g.P; q++)
                {
                    s += Math.Abs(double.CreateChecked(a[i * ars + q * acs]) * double.CreateChecked(b[q * brs + j * bcs]));
                }
                got.Add(double.CreateChecked(actual[at]));
                want.Add(double.CreateChecked(expected[at]));
                scale.Add(s);
            }
        }
        string replay = $"{g}; strides A=({ars},{acs}) B=({brs},{bcs}) ldc={ldc}";
        ArrayAssert.Close([.. got], [.. want], new(double.Epsilon, tolerance), $"{typeof(T).Name} GEMM vs GemmReference", replay,
            [g.M, g.N], [.. scale]);
        ArrayAssert.Close([.. padding], [.. paddingBefore], Tolerance.Exact, $"{typeof(T).Name} GEMM: C padding", replay);
    }

    private static T[] Random<T>(Random rng, long count) where T : unmanaged, INumber<T>
    {
        var values = new T[count];
        for (long i = 0; i < count; i++)
        {
            values[i] = T.CreateChecked(rng.NextDouble() * 2 - 1);
        }
        return values;
    }
}
