// CpuBackend, rotary position embedding (rotate-half form) on x: (B, T, NH, HS).
// Each head vector is split into halves (x1, x2) = (x[0..HS/2), x[HS/2..HS)); pair i rotates by
//   angle(t, i) = (positionOffset + t) · theta^(-2i / HS)
//   y1 = x1 · cos - x2 · sin,   y2 = x2 · cos + x1 · sin
// and the inverse (the backward pass, since a rotation's transpose is its inverse) uses -angle.
// cos/sin are computed once per call in float64 for each (t, i) and shared by every batch row and
// head, so the inner loop is one fused Vector<T> pass over HS/2 lanes.
// It deliberately is not: the interleaved (GPT-J) pairing, nor a cache of tables across calls.
// Follows: Su et al. 2021 (RoFormer) eq. 34, in the rotate-half layout of GPT-NeoX / Llama.
// Its opening (the partial class, the kernel's entry, its argument checks) is every backend section's, alike on purpose.
using System.Numerics;

namespace MoeFromScratch.Tensors.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void Rope(Tensor x, Tensor y, int positionOffset, double theta, bool inverse)
    {
        if (Bf16Widening.Applies(x, y)) { Bf16Widening.Run("rw", [x, y], (this, positionOffset, theta, inverse), static (t, s) => s.Item1.Rope(t[0], t[1], s.positionOffset, s.theta, s.inverse)); return; }
        CpuTensor.ByDType("Rope", x.DType, Rope<float>, Rope<double>)(x, y, positionOffset, theta, inverse);
    }

    private static void Rope<T>(Tensor x, Tensor y, int positionOffset, double theta, bool inverse) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "Rope";
        int time = x.Shape[1], heads = x.Shape[2], headSize = x.Shape[3], half = headSize / 2;
        using var tables = new PooledBuffer<T>(2L * time * half); // cos and sin, each (T, HS/2)
        T* cos = tables.Pointer, sin = cos + (long)time * half;
        for (int t = 0; t < time; t++)
        {
            for (int i = 0; i < half; i++)
            {
                double angle = (positionOffset + t) * Math.Pow(theta, -2.0 * i / headSize);
                if (inverse) angle = -angle;
                cos[(long)t * half + i] = T.CreateChecked(Math.Cos(angle));
                sin[(long)t * half + i] = T.CreateChecked(Math.Sin(angle));
            }
        }
        using var xd = new DenseCopy<T>(op, x);
        CpuParallel.For(x.Numel / Math.Max(headSize, 1), headSize,
            new RopeBody<T>(xd.Pointer, CpuTensor.Contiguous<T>(op, y), cos, sin, time, heads, half));
    }

    /// <summary>Rotates head vectors (rows of HS) [start, end) of the flattened (B·T·NH, HS).</summary>
    private readonly struct RopeBody<T>(T* x, T* y, T* cos, T* sin, int time, int heads, int half) : IRangeBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(long start, long end)
        {
            // A head is short (HS/2 is 16-64 lanes), so one fused Vector<T> loop beats four span calls.
            int width = Vector<T>.Count;
            for (long row = start; row < end; row++)
            {
                long table = (row / heads % time) * half;
                T* c = cos + table, s = sin + table;
                T* x1 = x + row * 2 * half, x2 = x1 + half, y1 = y + row * 2 * half, y2 = y1 + half;
                int i = 0;
                for (; i <= half - width; i += width)
                {
                    Vector<T> a = Vector.Load(x1 + i), b = Vector.Load(x2 + i), vc = Vector.Load(c + i), vs = Vector.Load(s + i);
                    (a * vc - b * vs).Store(y1 + i);   // y1 = x1 · cos - x2 · sin
                    (b * vc + a * vs).Store(y2 + i);   // y2 = x2 · cos + x1 · sin
                }
                for (; i < half; i++)
                {
                    T a = x1[i], b = x2[i];
                    y1[i] = a * c[i] - b * s[i];
                    y2[i] = b * c[i] + a * s[i];
                }
            }
        }
    }
}
