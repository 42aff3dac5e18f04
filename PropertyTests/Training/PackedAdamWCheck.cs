// The multi-tensor AdamW (Train/Optim/AdamW.Runs.cs) against the per-tensor one it replaces: the same
// interleaved parameters (matrices that decay, vectors that do not) stepped by one optimizer over
// all of them, whose runs are one dispatch each, and by one optimizer per parameter, whose single
// run is the per-tensor update. Several steps, plain and gated (clipped, then a skipped step), with
// new gradients each step; weights and moments must agree bit for bit, because AdamW is elementwise.
// The bodies run on any backend: PackedAdamWTests calls them on the CPU, the reference and lavapipe.
using MoeFromScratch.Train.Optim;

namespace MoeFromScratch.PropertyTests.Training;

public static class PackedAdamWCheck
{
    // Matrix, vector, matrix, vector, matrix: packed, the three matrices form one run and the two vectors another.
    private static readonly int[][] Shapes = [[3, 4], [4], [2, 3, 2], [5], [1, 7]];

    public const int ExpectedRuns = 2;

    private static List<(string Name, Parameter P)> Parameters(IBackend backend) =>
        Shapes.Select((shape, i) => ($"p{i}", new Parameter(Tensor.RandN(shape, seed: (ulong)(10 + i), backend: backend)))).ToList();

    private static void SetGradients(IEnumerable<Parameter> ps, int step)
    {
        int i = 0;
        foreach (var p in ps)
        {
            using var g = Tensor.RandN(p.Shape, seed: (ulong)(100 * step + i++), backend: p.Backend);
            p.Backend.Copy(g, p.Grad!);
        }
    }

    /// <summary>Steps both layouts; asserts bitwise equal weights and moments after each step; returns the packed optimizer's runs.</summary>
    public static int StepsMatchThePerTensorUpdate(IBackend backend)
    {
        using var scope = new TensorScope();
        var packedParams = Parameters(backend);
        var separateParams = Parameters(backend);
        using var packed = new AdamW(packedParams, lr: 0.05, weightDecay: 0.1);
        var separate = separateParams.Select(n => new AdamW([n], lr: 0.05, weightDecay: 0.1)).ToList();
        try
        {
            for (int step = 1; step <= 5; step++)
            {
                SetGradients(packedParams.Select(n => n.P), step);
                SetGradients(separateParams.Select(n => n.P), step);
                if (step <= 2)
                {
                    packed.Step();
                    foreach (var o in separate) o.Step();
                }
                else
                {
                    // step 3 unclipped, 4 clipped to a tenth of the norm, 5 skipped (a NaN loss)
                    double maxNorm = step == 4 ? 0.1 * GlobalNorm(packedParams) : double.PositiveInfinity;
                    using var sumOfSquares = GradClip.SumOfSquaresOnDevice(packedParams.Select(n => n.P.Grad!).ToList());
                    using var loss = Tensor.Full([], step == 5 ? double.NaN : 1.0, DType.Float32, backend);
                    packed.Step(sumOfSquares, loss, maxNorm);
                    foreach (var o in separate) o.Step(sumOfSquares, loss, maxNorm);
                }
                for (int i = 0; i < Shapes.Length; i++)
                {
                    Assert.Equal(separateParams[i].P.Data.ToDoubleArray(), packedParams[i].P.Data.ToDoubleArray());
                    Assert.Equal(separate[i].Slots[0].M.ToDoubleArray(), packed.Slots[i].M.ToDoubleArray());
                    Assert.Equal(separate[i].Slots[0].V.ToDoubleArray(), packed.Slots[i].V.ToDoubleArray());
                }
            }
            Assert.Equal(4, packed.StepCount);   // the NaN step was skipped
            return packed.DispatchesPerStep;
        }
        finally
        {
            foreach (var o in separate) o.Dispose();
        }
    }

    private static double GlobalNorm(List<(string Name, Parameter P)> ps) => GradClip.GlobalNorm(ps.Select(n => n.P.Grad!).ToList());
}
