// The parallel split of the blocked GEMM. The larger side of C is cut into parts (columns when C is
// wide, rows when it is tall), one part per claim from the pool. The operand every part needs whole
// (A for a column split, B for a row split) is packed ONCE, cooperatively, into a shared buffer, and
// then only read: packing it per part instead cost a quarter of the time at 1024^3 on 2 cores, since
// the row-major A gather is scalar. Two pool jobs per P chunk, pack then multiply; the pool's hand-off
// between them is a spin, not a sleep. P is cut into chunks so the shared buffer stays bounded.
// Not the loops themselves (GemmDriver.cs), not the pool (Threading/WorkerPool.cs).
using System.Runtime.InteropServices;

namespace MoeFromScratch.Tensors.Cpu;

internal static unsafe partial class GemmDriver<T, TKernel>
{
    // The shared packed operand. Only the pool's owner touches it (WorkerPool.TryAcquire), so one suffices.
    private static T* s_shared;
    private static long s_sharedCapacity;

    /// <summary>Splits over the pool when the problem is large enough to amortise the hand-off.</summary>
    public static void Multiply<TIn>(in GemmJob job) where TIn : unmanaged
    {
        int parts = GemmParallel.PartsFor(job.M, job.N, job.P, TKernel.MR, TKernel.NR);
        if (parts <= 1 || !WorkerPool.TryAcquire())
        {
            // Too small to split, or another multiply owns the pool: run here rather than queue behind it.
            Serial(job.M, job.N, job.P, (TIn*)job.A, job.ARowStride, job.AColStride, (TIn*)job.B, job.BRowStride, job.BColStride, (T*)job.C, job.Ldc, job.Accumulate);
            return;
        }
        try
        {
            MultiplyOnPool<TIn>(job, parts);
        }
        finally
        {
            WorkerPool.Release();
        }
    }

    private static void MultiplyOnPool<TIn>(in GemmJob job, int parts) where TIn : unmanaged
    {
        bool splitColumns = job.N >= job.M;
        // The shared operand: A (M x P) packed in MR-row slivers, or B (P x N) in NR-column slivers.
        long paddedSide = splitColumns ? RoundUp(job.M, TKernel.MR) : RoundUp(job.N, TKernel.NR);
        long sliceStride = paddedSide * PC;
        int slicesPerChunk = (int)Math.Clamp(GemmParallel.SharedPackBytes / sizeof(T) / sliceStride, 1, (job.P + PC - 1) / PC);
        int chunkDepth = slicesPerChunk * PC;
        T* shared = EnsureShared(slicesPerChunk * sliceStride);

        for (int p0 = 0; p0 < job.P; p0 += chunkDepth)
        {
            // The sub-problem C (+)= A[:, p0:p0+pp] B[p0:p0+pp, :]; chunks after the first accumulate.
            GemmJob chunk = job;
            chunk.P = Math.Min(chunkDepth, job.P - p0);
            chunk.A = (TIn*)job.A + p0 * job.AColStride;
            chunk.B = (TIn*)job.B + p0 * job.BRowStride;
            chunk.Accumulate = job.Accumulate || p0 > 0;
            chunk.Shared = shared;
            chunk.SharedSliceStride = sliceStride;

            int blocks = PackBlocks(chunk, splitColumns);
            WorkerPool.Run(splitColumns ? &PackSharedA<TIn> : &PackSharedB<TIn>, &chunk, Math.Min(blocks, 2 * parts));
            WorkerPool.Run(splitColumns ? &MultiplyColumns<TIn> : &MultiplyRows<TIn>, &chunk, parts);
        }
    }

    // --- Packing the shared operand: units are (slice, MC rows of A) or (slice, NC columns of B). ---

    private static int PackBlocks(in GemmJob job, bool splitColumns)
    {
        int slices = (job.P + PC - 1) / PC;
        int perSlice = splitColumns ? (job.M + MC - 1) / MC : (job.N + NC - 1) / NC;
        return slices * perSlice;
    }

    private static void PackSharedA<TIn>(void* context, int part, int parts) where TIn : unmanaged
    {
        var job = (GemmJob*)context;
        int perSlice = (job->M + MC - 1) / MC;
        (int first, int end) = Range(PackBlocks(*job, splitColumns: true), part, parts);
        for (int block = first; block < end; block++)
        {
            int slice = block / perSlice, ic = block % perSlice * MC;
            int p0 = slice * PC, pc = Math.Min(PC, job->P - p0);
            T* dst = (T*)job->Shared + slice * job->SharedSliceStride + (long)ic * pc;
            GemmPacking<T, TKernel>.PackA(dst, (TIn*)job->A + ic * job->ARowStride + p0 * job->AColStride,
                job->ARowStride, job->AColStride, Math.Min(MC, job->M - ic), pc);
        }
    }

    private static void PackSharedB<TIn>(void* context, int part, int parts) where TIn : unmanaged
    {
        var job = (GemmJob*)context;
        int perSlice = (job->N + NC - 1) / NC;
        (int first, int end) = Range(PackBlocks(*job, splitColumns: false), part, parts);
        for (int block = first; block < end; block++)
        {
            int slice = block / perSlice, jc = block % perSlice * NC;
            int p0 = slice * PC, pc = Math.Min(PC, job->P - p0);
            T* dst = (T*)job->Shared + slice * job->SharedSliceStride + (long)jc * pc;
            GemmPacking<T, TKernel>.PackB(dst, (TIn*)job->B + p0 * job->BRowStride + jc * job->BColStride,
                job->BRowStride, job->BColStride, pc, Math.Min(NC, job->N - jc));
        }
    }

    private static (int First, int End) Range(int count, int part, int parts)
        => ((int)((long)count * part / parts), (int)((long)count * (part + 1) / parts));

    // --- Multiplying: each part a range of whole tiles, reading the shared operand. ---

    private static void MultiplyColumns<TIn>(void* context, int part, int parts) where TIn : unmanaged
    {
        var job = (GemmJob*)context;
        int chunk = RoundUp((job->N + parts - 1) / parts, TKernel.NR);
        int j0 = part * chunk;
        int nn = Math.Min(chunk, job->N - j0);
        if (nn > 0)
        {
            Serial(job->M, nn, job->P, (TIn*)job->A, job->ARowStride, job->AColStride,
                (TIn*)job->B + j0 * job->BColStride, job->BRowStride, job->BColStride, (T*)job->C + j0, job->Ldc, job->Accumulate,
                new PrePacked((T*)job->Shared, job->SharedSliceStride), default);
        }
    }

    private static void MultiplyRows<TIn>(void* context, int part, int parts) where TIn : unmanaged
    {
        var job = (GemmJob*)context;
        int chunk = RoundUp((job->M + parts - 1) / parts, TKernel.MR);
        int i0 = part * chunk;
        int mm = Math.Min(chunk, job->M - i0);
        if (mm > 0)
        {
            Serial(mm, job->N, job->P, (TIn*)job->A + i0 * job->ARowStride, job->ARowStride, job->AColStride,
                (TIn*)job->B, job->BRowStride, job->BColStride, (T*)job->C + i0 * job->Ldc, job->Ldc, job->Accumulate,
                default, new PrePacked((T*)job->Shared, job->SharedSliceStride));
        }
    }

    private static T* EnsureShared(long elements)
    {
        if (s_sharedCapacity < elements)
        {
            NativeMemory.AlignedFree(s_shared);
            s_shared = null;
            s_shared = (T*)NativeMemory.AlignedAlloc((nuint)(elements * sizeof(T)), 64);
            s_sharedCapacity = elements;
        }
        return s_shared;
    }
}
