// CpuBackend, rotary position embedding (rotate-half form) on x: (B, T, NH, HS).
// Each head vector is split into halves (x1, x2) = (x[0..HS/2), x[HS/2..HS)); pair i rotates by
//   angle(t, i) = (positionOffset + t) · theta^(-2i / HS)
//   y1 = x1 · cos - x2 · sin,   y2 = x2 · cos + x1 · sin
// and the inverse (the backward pass, since a rotation's transpose is its inverse) uses -angle.
// cos/sin are computed once per call in float64 for each (t, i) and shared by every batch row and
// head, so the inner loop is four vectorised multiply(-add)s over HS/2 lanes.
// It deliberately is not: the interleaved (GPT-J) pairing, nor a cache of tables across calls.
// Follows: Su et al. 2021 (RoFormer) eq. 34, in the rotate-half layout of GPT-NeoX / Llama.
using System.Numerics;
using System.Numerics.Tensors;

namespace MoeFromScratch.Tensors.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void Rope(Tensor x, Tensor y, int positionOffset, double theta, bool inverse)
    {
        switch (x.DType)
        {
            case DType.Float32: Rope<float>(x, y, positionOffset, theta, inverse); break;
            case DType.Float64: Rope<double>(x, y, positionOffset, theta, inverse); break;
            default: throw CpuTensor.Unsupported("Rope", x.DType);
        }
    }

    private static void Rope<T>(Tensor x, Tensor y, int positionOffset, double theta, bool inverse) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "Rope";
        int time = x.Shape[1], heads = x.Shape[2], headSize = x.Shape[3], half = headSize / 2;
        // Tables (T, HS/2): cos, the sine that multiplies x1 into y2, and its negation for y1.
        using var tables = new PooledBuffer<T>(3L * time * half);
        T* cos = tables.Pointer, sin = cos + (long)time * half, negSin = sin + (long)time * half;
        for (int t = 0; t < time; t++)
        {
            for (int i = 0; i < half; i++)
            {
                double angle = (positionOffset + t) * Math.Pow(theta, -2.0 * i / headSize);
                if (inverse) angle = -angle;
                long at = (long)t * half + i;
                cos[at] = T.CreateChecked(Math.Cos(angle));
                sin[at] = T.CreateChecked(Math.Sin(angle));
                negSin[at] = -sin[at];
            }
        }
        using var xd = new DenseCopy<T>(op, x);
        CpuParallel.For(x.Numel / Math.Max(headSize, 1), headSize,
            new RopeBody<T>(xd.Pointer, CpuTensor.Contiguous<T>(op, y), cos, sin, negSin, time, heads, half));
    }

    /// <summary>Rotates head vectors (rows of HS) [start, end) of the flattened (B·T·NH, HS).</summary>
    private readonly struct RopeBody<T>(T* x, T* y, T* cos, T* sin, T* negSin, int time, int heads, int half) : IRangeBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(long start, long end)
        {
            for (long row = start; row < end; row++)
            {
                long table = (row / heads % time) * half;
                var c = new ReadOnlySpan<T>(cos + table, half);
                var s = new ReadOnlySpan<T>(sin + table, half);
                var ns = new ReadOnlySpan<T>(negSin + table, half);
                var x1 = new ReadOnlySpan<T>(x + row * 2 * half, half);
                var x2 = new ReadOnlySpan<T>(x + row * 2 * half + half, half);
                var y1 = new Span<T>(y + row * 2 * half, half);
                var y2 = new Span<T>(y + row * 2 * half + half, half);
                TensorPrimitives.Multiply(x1, c, y1);         // y1 = x1 · cos
                TensorPrimitives.MultiplyAdd(x2, ns, y1, y1); //    - x2 · sin
                TensorPrimitives.Multiply(x2, c, y2);         // y2 = x2 · cos
                TensorPrimitives.MultiplyAdd(x1, s, y2, y2);  //    + x1 · sin
            }
        }
    }
}
