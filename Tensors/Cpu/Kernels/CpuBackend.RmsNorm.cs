// CpuBackend, fused RMSNorm over rows of x (N, C) with a weight (C):
//   forward   rstd[n] = 1 / sqrt(mean_c x[n,c]² + eps);   y[n,c] = x[n,c] · rstd[n] · w[c]
//   backward  with dot[n] = Σ_c dy[n,c] · w[c] · x[n,c]:
//             dx[n,c]  = rstd[n] · w[c] · dy[n,c] - x[n,c] · rstd[n]³ · dot[n] / C
//             dw[c]    = Σ_n dy[n,c] · x[n,c] · rstd[n]          (written, not accumulated)
// Each row is two fused Vector<T> passes (forward: Σx², then y; backward: the dot, then dx and
// dw together) rather than a chain of TensorPrimitives calls, each of which would re-read the row.
// The weight gradient sums over rows, so each thread sums its own rows into a private partial
// and the partials are added in chunk order afterwards (no locks, same answer every run).
// It deliberately is not: LayerNorm (no mean subtraction, no bias).
// Follows: Zhang & Sennrich 2019 (RMSNorm); llm.c layernorm_forward / layernorm_backward layout.
using System.Numerics;
using System.Numerics.Tensors;

namespace MoeFromScratch.Tensors.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void RmsNormForward(Tensor x, Tensor weight, double eps, Tensor y, Tensor rstd)
    {
        if (Bf16Widening.Applies(x, weight, y, rstd)) { Bf16Widening.Run("rrww", [x, weight, y, rstd], (this, eps), static (t, s) => s.Item1.RmsNormForward(t[0], t[1], s.eps, t[2], t[3])); return; }
        switch (x.DType)
        {
            case DType.Float32: RmsNormForward<float>(x, weight, (float)eps, y, rstd); break;
            case DType.Float64: RmsNormForward<double>(x, weight, eps, y, rstd); break;
            default: throw CpuTensor.Unsupported("RmsNorm", x.DType);
        }
    }

    public void RmsNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor rstd, Tensor dx, Tensor dweight)
    {
        if (Bf16Widening.Applies(dy, x, weight, rstd, dx, dweight)) { Bf16Widening.Run("rrrrww", [dy, x, weight, rstd, dx, dweight], this, static (t, s) => s.RmsNormBackward(t[0], t[1], t[2], t[3], t[4], t[5])); return; }
        CpuTensor.ByDType("RmsNormBackward", x.DType, RmsNormBackward<float>, RmsNormBackward<double>)(dy, x, weight, rstd, dx, dweight);
    }

    private static void RmsNormForward<T>(Tensor x, Tensor weight, T eps, Tensor y, Tensor rstd) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "RmsNorm";
        int rows = x.Shape[0], channels = x.Shape[1];
        using var xd = new DenseCopy<T>(op, x);
        using var w = new DenseCopy<T>(op, weight);
        CpuParallel.For(rows, channels, new RmsNormForwardBody<T>(
            xd.Pointer, w.Pointer, eps, CpuTensor.Contiguous<T>(op, y), CpuTensor.Contiguous<T>(op, rstd), channels));
    }

    private readonly struct RmsNormForwardBody<T>(T* x, T* weight, T eps, T* y, T* rstd, int channels) : IRangeBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(long start, long end)
        {
            T count = T.CreateChecked(channels);
            for (long n = start; n < end; n++)
            {
                T* xr = x + n * channels, yr = y + n * channels;
                T r = T.One / T.Sqrt(TensorPrimitives.SumOfSquares(new ReadOnlySpan<T>(xr, channels)) / count + eps);
                rstd[n] = r;
                // y = x · rstd · w, one fused pass (Vector<T> wide, then the tail).
                var vr = new Vector<T>(r);
                int c = 0;
                for (; c <= channels - Vector<T>.Count; c += Vector<T>.Count)
                    (Vector.Load(xr + c) * vr * Vector.Load(weight + c)).Store(yr + c);
                for (; c < channels; c++) yr[c] = xr[c] * r * weight[c];
            }
        }
    }

    private static void RmsNormBackward<T>(Tensor dy, Tensor x, Tensor weight, Tensor rstd, Tensor dx, Tensor dweight)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "RmsNormBackward";
        int rows = x.Shape[0], channels = x.Shape[1];
        using var dyd = new DenseCopy<T>(op, dy);
        using var xd = new DenseCopy<T>(op, x);
        using var w = new DenseCopy<T>(op, weight);
        using var r = new DenseCopy<T>(op, rstd);
        T* dw = CpuTensor.Contiguous<T>(op, dweight);

        // One dweight partial per chunk; a single chunk writes dweight directly.
        int chunks = CpuParallel.Chunks(rows, channels);
        using var partials = new PooledBuffer<T>(chunks == 1 ? 0 : (long)chunks * channels);
        T* dwPartials = chunks == 1 ? dw : partials.Pointer;
        CpuParallel.ForChunks(rows, chunks, new RmsNormBackwardBody<T>(
            dyd.Pointer, xd.Pointer, w.Pointer, r.Pointer, CpuTensor.Contiguous<T>(op, dx), dwPartials, channels));
        if (chunks == 1) return;
        var total = new Span<T>(dw, channels);
        new ReadOnlySpan<T>(dwPartials, channels).CopyTo(total);
        for (int c = 1; c < chunks; c++)
            TensorPrimitives.Add(total, new ReadOnlySpan<T>(dwPartials + (long)c * channels, channels), total);
    }

    private readonly struct RmsNormBackwardBody<T>(T* dy, T* x, T* weight, T* rstd, T* dx, T* dwPartials, int channels) : IChunkBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int chunk, long start, long end)
        {
            T* dw = dwPartials + (long)chunk * channels;
            new Span<T>(dw, channels).Clear();
            T count = T.CreateChecked(channels);
            int width = Vector<T>.Count, last = channels - width;
            for (long n = start; n < end; n++)
            {
                T* dyr = dy + n * channels, xr = x + n * channels, dxr = dx + n * channels;
                T r = rstd[n];

                // Pass 1: dot = Σ dy · w · x.
                var sum = Vector<T>.Zero;
                int c = 0;
                for (; c <= last; c += width)
                    sum += Vector.Load(dyr + c) * Vector.Load(weight + c) * Vector.Load(xr + c);
                T dot = Vector.Sum(sum);
                for (; c < channels; c++) dot += dyr[c] * weight[c] * xr[c];

                // Pass 2: dx = rstd · w · dy - x · rstd³ · dot / C, and dw += dy · rstd · x.
                T coefficient = r * r * r * dot / count;
                Vector<T> vr = new(r), vk = new(coefficient);
                for (c = 0; c <= last; c += width)
                {
                    Vector<T> g = Vector.Load(dyr + c), xv = Vector.Load(xr + c);
                    (g * Vector.Load(weight + c) * vr - xv * vk).Store(dxr + c);
                    (Vector.Load(dw + c) + g * vr * xv).Store(dw + c);
                }
                for (; c < channels; c++)
                {
                    dxr[c] = dyr[c] * weight[c] * r - xr[c] * coefficient;
                    dw[c] += dyr[c] * r * xr[c];
                }
            }
        }
    }
}
