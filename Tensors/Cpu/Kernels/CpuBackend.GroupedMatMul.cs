// CpuBackend, the MoE grouped GEMMs (a group is one expert's contiguous block of rows):
//   GroupedMatMul            y[rows of g] = x[rows of g] @ w[g]           (forward, and dx with wᵀ)
//   GroupedMatMulWeightGrad  dw[g] = x[rows of g]ᵀ @ dy[rows of g]        (weight gradient)
// Strides go straight to the GEMM: a transposed w (the dx pass) or xᵀ (the weight gradient) is a
// swap of strides, never a copy.
//
// The point of this file is how groups meet cores. With many groups (fine-grained experts) each
// group's product runs single-threaded and the cores CLAIM whole groups, one at a time and the
// largest first, from the worker pool's counter. The alternative — every group's GEMM split across the cores, as Gemm.Multiply does
// with a large product — costs one pool hand-off per group and packs each group's A once per core,
// so its overhead grows with the number of experts at fixed active compute (and on a loaded machine
// every hand-off may wait for a descheduled worker). Claiming rather than assigning groups means a
// core that gets interrupted only delays the groups it holds, not a fixed share.
// With few groups (under two per core) each product is big enough to thread itself, and does.
// It deliberately is not: a GEMM (Tensors/Cpu/Gemm), nor the scheduler of batched MatMul.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MoeFromScratch.Tensors.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void GroupedMatMul(Tensor x, Tensor w, Tensor offsets, Tensor y)
    {
        if (Bf16Widening.Applies(x, w, offsets, y)) { Bf16Widening.Run("rrrw", [x, w, offsets, y], this, static (t, s) => s.GroupedMatMul(t[0], t[1], t[2], t[3])); return; }
        CpuTensor.ByDType("GroupedMatMul", x.DType, GroupedMatMul<float>, GroupedMatMul<double>)(x, w, offsets, y);
    }

    public void GroupedMatMulWeightGrad(Tensor x, Tensor dy, Tensor offsets, Tensor dw)
    {
        if (Bf16Widening.Applies(x, dy, offsets, dw)) { Bf16Widening.Run("rrrw", [x, dy, offsets, dw], this, static (t, s) => s.GroupedMatMulWeightGrad(t[0], t[1], t[2], t[3])); return; }
        CpuTensor.ByDType("GroupedMatMulWeightGrad", x.DType, GroupedMatMulWeightGrad<float>, GroupedMatMulWeightGrad<double>)(x, dy, offsets, dw);
    }

    private static void GroupedMatMul<T>(Tensor x, Tensor w, Tensor offsets, Tensor y) where T : unmanaged, INumber<T>
    {
        const string op = "GroupedMatMul";
        int rows = x.Shape[0], P = x.Shape[1], groups = w.Shape[0], n = w.Shape[2];
        using var bounds = new DenseCopy<int>(op, offsets);
        CheckGroupOffsets(op, bounds.Pointer, groups, rows);
        T* yp = CpuTensor.Contiguous<T>(op, y);
        // Rows before the first group or after the last belong to no expert: they get zeros.
        new Span<T>(yp, bounds.Pointer[0] * n).Clear();
        new Span<T>(yp + (long)bounds.Pointer[groups] * n, (rows - bounds.Pointer[groups]) * n).Clear();
        ForEachGroup(bounds.Pointer, groups, (long)rows * P * n, new GroupedBody<T>(
            CpuTensor.Data<T>(op, x) + x.Offset, x.Strides, CpuTensor.Data<T>(op, w) + w.Offset, w.Strides, yp, bounds.Pointer, P, n));
    }

    /// <summary>Group g: y[rows of g] = x[rows of g] @ w[g]; groups own disjoint rows, so they may run at once.</summary>
    private readonly struct GroupedBody<T>(T* x, long[] xStrides, T* w, long[] wStrides, T* y, int* offsets, int P, int n) : IGroupBody
        where T : unmanaged, INumber<T>
    {
        public void Run(int g, GroupGemm gemm)
        {
            int first = offsets[g], count = offsets[g + 1] - first;
            if (count == 0) return;
            gemm.Multiply(count, n, P,
                x + first * xStrides[0], xStrides[0], xStrides[1],
                w + g * wStrides[0], wStrides[1], wStrides[2],
                y + (long)first * n, n);
        }
    }

    private static void GroupedMatMulWeightGrad<T>(Tensor x, Tensor dy, Tensor offsets, Tensor dw) where T : unmanaged, INumber<T>
    {
        const string op = "GroupedMatMulWeightGrad";
        int rows = x.Shape[0], P = x.Shape[1], n = dy.Shape[1], groups = dw.Shape[0];
        using var bounds = new DenseCopy<int>(op, offsets);
        CheckGroupOffsets(op, bounds.Pointer, groups, rows);
        ForEachGroup(bounds.Pointer, groups, (long)rows * P * n, new WeightGradBody<T>(
            CpuTensor.Data<T>(op, x) + x.Offset, x.Strides, CpuTensor.Data<T>(op, dy) + dy.Offset, dy.Strides,
            CpuTensor.Contiguous<T>(op, dw), bounds.Pointer, P, n));
    }

    /// <summary>Group g: dw[g] = x[rows of g]ᵀ @ dy[rows of g], or zeros for a group with no rows.</summary>
    private readonly struct WeightGradBody<T>(T* x, long[] xStrides, T* dy, long[] dyStrides, T* dw, int* offsets, int P, int n) : IGroupBody
        where T : unmanaged, INumber<T>
    {
        public void Run(int g, GroupGemm gemm)
        {
            int first = offsets[g], count = offsets[g + 1] - first;
            T* dwg = dw + (long)g * P * n;
            if (count == 0)
            {
                new Span<T>(dwg, P * n).Clear(); // an expert that saw no tokens gets a zero gradient
                return;
            }
            // x_gᵀ: element (kk, r) of the transpose is x[first + r, kk] — the strides swap places.
            gemm.Multiply(P, n, count,
                x + first * xStrides[0], xStrides[1], xStrides[0],
                dy + first * dyStrides[0], dyStrides[0], dyStrides[1],
                dwg, n);
        }
    }

    /// <summary>One group's product; the scheduler hands it the GEMM to use for it.</summary>
    private interface IGroupBody
    {
        void Run(int g, GroupGemm gemm);
    }

    /// <summary>Below this many multiply-adds in all, spreading the groups costs more than it saves.</summary>
    private const long MinSpreadWork = 1L << 20;

    /// <summary>
    /// Runs groups [0, groups) (rows offsets[g]..offsets[g+1]) whose products total `work`
    /// multiply-adds: claimed one by one by every core, largest first, each product single-threaded,
    /// when there are at least two groups per core; otherwise in order on this thread, each product
    /// free to thread itself.
    /// </summary>
    private static void ForEachGroup<TBody>(int* offsets, int groups, long work, TBody body) where TBody : struct, IGroupBody
    {
        if (groups >= 2 * WorkerPool.Threads && work >= MinSpreadWork)
        {
            // Largest first (LPT): the last groups claimed are the small ones, so the cores finish
            // together even when routing is uneven (some experts get several times the mean).
            int* order = stackalloc int[groups];
            int* minusRows = stackalloc int[groups];
            for (int g = 0; g < groups; g++) (order[g], minusRows[g]) = (g, offsets[g] - offsets[g + 1]);
            new Span<int>(minusRows, groups).Sort(new Span<int>(order, groups)); // ascending -rows = descending rows
            var job = new SpreadJob<TBody>(body, order, GroupGemm.SingleThreadedForThisThread());
            if (WorkerPool.TryRun(&RunGroup<TBody>, Unsafe.AsPointer(ref job), groups)) return;
        }
        for (int g = 0; g < groups; g++) body.Run(g, GroupGemm.MayThread);
    }

    /// <summary>A pool job of groups: part i runs group order[i].</summary>
    private readonly struct SpreadJob<TBody>(TBody body, int* order, GroupGemm gemm)
    {
        public readonly TBody Body = body;
        public readonly int* Order = order;
        public readonly GroupGemm Gemm = gemm;
    }

    private static void RunGroup<TBody>(void* context, int part, int parts) where TBody : struct, IGroupBody
    {
        ref var job = ref Unsafe.AsRef<SpreadJob<TBody>>(context);
        var local = job.Body;
        local.Run(job.Order[part], job.Gemm);
    }

    /// <summary>offsets must rise from within [0, rows]: group g owns rows offsets[g]..offsets[g+1].</summary>
    private static void CheckGroupOffsets(string op, int* offsets, int groups, int rows)
    {
        for (int g = 0; g <= groups; g++)
        {
            int bound = offsets[g];
            if (bound < 0 || bound > rows || (g > 0 && bound < offsets[g - 1]))
                throw new ArgumentException($"{op}: offsets[{g}] = {bound} is out of range: offsets must be non-decreasing within [0, {rows}] for axis 0 of size {rows}");
        }
    }

    /// <summary>
    /// The multiply one group runs: Gemm.Multiply (which splits a large product over the GEMM pool),
    /// or, for a thread that is itself one of several running groups, the same computation kept on
    /// that thread. The single-threaded one mirrors Gemm.Dispatch — the direct loop below its
    /// small-problem threshold, else the blocked driver with the kernel family Gemm would pick — with
    /// both choices read on the calling thread (where tests override them) and carried to the others.
    /// </summary>
    private readonly struct GroupGemm
    {
        private readonly bool _singleThreaded;
        private readonly GemmIsa _isa;
        private readonly long _smallThreshold;

        private GroupGemm(bool singleThreaded, GemmIsa isa, long smallThreshold)
        {
            _singleThreaded = singleThreaded;
            _isa = isa;
            _smallThreshold = smallThreshold;
        }

        public static GroupGemm MayThread => default;

        public static GroupGemm SingleThreadedForThisThread() =>
            new(true, GemmIsaSelection.Current, Gemm.t_smallThresholdOverride ?? Gemm.DefaultSmallThreshold);

        /// <summary>c (m, n), row stride ldc, = a (m, P) @ b (P, n) with a and b at any strides.</summary>
        public void Multiply<T>(int m, int n, int P, T* a, long ars, long acs, T* b, long brs, long bcs, T* c, long ldc)
            where T : unmanaged, INumber<T>
        {
            if (!_singleThreaded || m == 0 || n == 0 || P == 0)
            {
                CpuBackend.Multiply(m, n, P, a, ars, acs, b, brs, bcs, c, ldc); // threads itself if large; P == 0 zero-fills
                return;
            }
            if ((long)m * n * P < _smallThreshold)
            {
                GemmSmall<T>.Multiply(m, n, P, a, ars, acs, b, brs, bcs, c, ldc, accumulate: false);
                return;
            }
            switch (_isa)
            {
                case GemmIsa.Vector512: GemmDriver<T, GemmKernelSimd<T, Vector512<T>, Vector512Ops<T>>>.Serial(m, n, P, a, ars, acs, b, brs, bcs, c, ldc, false); break;
                case GemmIsa.Vector256: GemmDriver<T, GemmKernelSimd<T, Vector256<T>, Vector256Ops<T>>>.Serial(m, n, P, a, ars, acs, b, brs, bcs, c, ldc, false); break;
                default: GemmDriver<T, GemmKernelScalar<T>>.Serial(m, n, P, a, ars, acs, b, brs, bcs, c, ldc, false); break;
            }
        }
    }
}
