// CpuBackend, fused RMSNorm over rows of x (N, C) with a weight (C):
//   forward   rstd[n] = 1 / sqrt(mean_c x[n,c]² + eps);   y[n,c] = x[n,c] · rstd[n] · w[c]
//   backward  with dot[n] = Σ_c dy[n,c] · w[c] · x[n,c]:
//             dx[n,c]  = rstd[n] · w[c] · dy[n,c] - x[n,c] · rstd[n]³ · dot[n] / C
//             dw[c]    = Σ_n dy[n,c] · x[n,c] · rstd[n]          (written, not accumulated)
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
        switch (x.DType)
        {
            case DType.Float32: RmsNormForward<float>(x, weight, (float)eps, y, rstd); break;
            case DType.Float64: RmsNormForward<double>(x, weight, eps, y, rstd); break;
            default: throw CpuTensor.Unsupported("RmsNorm", x.DType);
        }
    }

    public void RmsNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor rstd, Tensor dx, Tensor dweight)
    {
        switch (x.DType)
        {
            case DType.Float32: RmsNormBackward<float>(dy, x, weight, rstd, dx, dweight); break;
            case DType.Float64: RmsNormBackward<double>(dy, x, weight, rstd, dx, dweight); break;
            default: throw CpuTensor.Unsupported("RmsNormBackward", x.DType);
        }
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
            var w = new ReadOnlySpan<T>(weight, channels);
            T count = T.CreateChecked(channels);
            for (long n = start; n < end; n++)
            {
                var xr = new ReadOnlySpan<T>(x + n * channels, channels);
                var yr = new Span<T>(y + n * channels, channels);
                T r = T.One / T.Sqrt(TensorPrimitives.SumOfSquares(xr) / count + eps);
                rstd[n] = r;
                TensorPrimitives.Multiply(xr, r, yr);   // x · rstd
                TensorPrimitives.Multiply(yr, w, yr);   //   · w
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
            var w = new ReadOnlySpan<T>(weight, channels);
            var dw = new Span<T>(dwPartials + (long)chunk * channels, channels);
            dw.Clear();
            using var scratch = new PooledBuffer<T>(channels);
            var dyr_r = scratch.Span;
            T count = T.CreateChecked(channels);
            for (long n = start; n < end; n++)
            {
                var dyr = new ReadOnlySpan<T>(dy + n * channels, channels);
                var xr = new ReadOnlySpan<T>(x + n * channels, channels);
                var dxr = new Span<T>(dx + n * channels, channels);
                T r = rstd[n];
                TensorPrimitives.Multiply(dyr, w, dxr);                 // dy · w
                T dot = TensorPrimitives.Dot<T>(dxr, xr);                // Σ dy · w · x
                TensorPrimitives.Multiply(dxr, r, dxr);                  // rstd · w · dy
                T coefficient = r * r * r * dot / count;
                TensorPrimitives.MultiplyAdd(xr, -coefficient, dxr, dxr); //   - x · rstd³ · dot / C
                TensorPrimitives.Multiply(dyr, r, dyr_r);                // dy · rstd
                TensorPrimitives.MultiplyAdd(dyr_r, xr, dw, dw);         // dw += dy · rstd · x
            }
        }
    }
}
