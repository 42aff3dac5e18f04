// CpuBackend, counter-based random numbers: element i of y (its row-major number) depends only on
// (seed, i), so the CPU, the reference and the GPU produce the same tensor, whatever the thread
// split. The bits and the uniform / Box-Muller arithmetic are Philox's (Tensors/Random/Philox.cs);
// this file only walks y and rounds each float64 value to y's dtype.
// It deliberately is not: a second generator — every backend shares Philox's exact mapping.
using System.Numerics;
using MoeFromScratch.Tensors.Random;

namespace MoeFromScratch.Tensors.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void RandomUniform(Tensor y, ulong seed, double low, double high)
    {
        if (Bf16Widening.Applies(y)) { Bf16Widening.Run("w", [y], (this, seed, low, high), static (t, s) => s.Item1.RandomUniform(t[0], s.seed, s.low, s.high)); return; }
        RandomFill(y, new RandomDraw(seed, low, high - low, IsNormal: false));
    }

    public void RandomNormal(Tensor y, ulong seed, double mean, double std)
    {
        if (Bf16Widening.Applies(y)) { Bf16Widening.Run("w", [y], (this, seed, mean, std), static (t, s) => s.Item1.RandomNormal(t[0], s.seed, s.mean, s.std)); return; }
        RandomFill(y, new RandomDraw(seed, mean, std, IsNormal: true));
    }

    private static void RandomFill(Tensor y, RandomDraw draw) =>
        CpuTensor.ByDType("Random", y.DType, RandomFill<float>, RandomFill<double>, RandomFill<int>)(y, draw);

    /// <summary>value = shift + scale · u (uniform) or shift + scale · z (normal), for element i.</summary>
    private readonly record struct RandomDraw(ulong Seed, double Shift, double Scale, bool IsNormal)
    {
        public double At(long i) => Shift + Scale * (IsNormal ? Philox.Normal(Seed, i) : Philox.Uniform(Seed, i));
    }

    private static void RandomFill<T>(Tensor y, RandomDraw draw) where T : unmanaged, INumberBase<T>
    {
        // Operand 1 is y's row-major numbering itself (contiguous strides from base 0): its offset in
        // a run is the element number i that Philox needs, even when y is a strided view.
        var layout = CpuTensor.Layout(y.Shape, y.Strides, Shape.ContiguousStrides(y.Shape));
        OperandValues bases = default;
        bases[0] = y.Offset;
        // Ten Philox rounds per element: worth threads far sooner than a copy is.
        CpuParallel.ForEach(layout, bases, new RandomKernel<T>(CpuTensor.Data<T>("Random", y), draw), workPerElement: 16);
    }

    private readonly struct RandomKernel<T>(T* y, RandomDraw draw) : IRunKernel where T : unmanaged, INumberBase<T>
    {
        public void Run(in OperandValues offsets, in OperandValues steps, int count)
        {
            for (int j = 0; j < count; j++)
                y[offsets[0] + j * steps[0]] = T.CreateTruncating(draw.At(offsets[1] + j * steps[1]));
        }
    }
}
