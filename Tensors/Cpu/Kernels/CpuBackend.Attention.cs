// CpuBackend, fused causal attention in the FlashAttention-2 shape (Dao 2023, Algorithms 1 and 2):
// the (T, TK) score matrix never exists. q (B, T, NH, HS), k and v (B, TK, NH, HS) are read in place
// through their strides (the projections' layout, a KV cache's prefix); only a head dimension
// that is not unit-stride costs a dense copy. Query t sits at position TK − T + t.
//
// Forward, one work item per (b, h, query tile of QueryTile rows): for each key tile of KeyTile keys
// (only those some row of the tile may see), every row computes its scores into a KeyTile scratch
// and folds them into a running max m, sum l and unnormalised output acc (online softmax):
//   m' = max(m, max_j s_j);  acc = acc · e^(m − m') + Σ_j e^(s_j − m') v_j;  l = l · e^(m − m') + Σ_j e^(s_j − m')
// then out = acc / l and lse = m + log l. A key tile is reused by all QueryTile rows while in cache.
//
// Backward recomputes P = exp(s − lse) tile by tile, in two passes so that every output has one
// writer (no atomics, the same answer on any core count) — FlashAttention-2 instead adds dq
// atomically from key-parallel blocks; here the dq pass repeats the score work once more:
//   pass 1, per (b, h, query tile): D_t = dO_t · O_t (kept for pass 2), dq_t = Σ_j dS_j k_j / √HS
//   pass 2, per (b, h, key tile):   dv_j = Σ_t P_tj dO_t,  dk_j = Σ_t dS_tj q_t / √HS
// with dS_tj = P_tj (dO_t · v_j − D_t). Dot products and row updates are TensorPrimitives.
// Float32 accumulates in float32 (as the composition it replaces does); float64 in float64.
// It deliberately is not: a packed micro-kernel GEMM over tiles (the head size is small and the
// rows are dot products), grouped-query attention, dropout, or any mask other than causal.
using System.Numerics;
using System.Numerics.Tensors;

namespace MoeFromScratch.Tensors.Cpu;

public sealed unsafe partial class CpuBackend
{
    public bool HasFusedAttention => true;

    public void AttentionForward(Tensor q, Tensor k, Tensor v, Tensor output, Tensor lse)
    {
        if (Bf16Widening.Applies(q, k, v, output, lse)) { Bf16Widening.Run("rrrww", [q, k, v, output, lse], this, static (t, s) => s.AttentionForward(t[0], t[1], t[2], t[3], t[4])); return; }
        CpuTensor.ByDType("AttentionForward", q.DType, AttentionForward<float>, AttentionForward<double>)(q, k, v, output, lse);
    }

    public void AttentionBackward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor output, Tensor lse, Tensor dq, Tensor dk, Tensor dv)
    {
        if (Bf16Widening.Applies(dout, q, k, v, output, lse, dq, dk, dv)) { Bf16Widening.Run("rrrrrrwww", [dout, q, k, v, output, lse, dq, dk, dv], this, static (t, s) => s.AttentionBackward(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8])); return; }
        CpuTensor.ByDType("AttentionBackward", q.DType, AttentionBackward<float>, AttentionBackward<double>)(dout, q, k, v, output, lse, dq, dk, dv);
    }

    private static void AttentionForward<T>(Tensor q, Tensor k, Tensor v, Tensor output, Tensor lse) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "AttentionForward";
        using var heads = new AttentionHeads<T>(op, q, k, v);
        CpuParallel.For(heads.QueryItems, heads.TileWork, new AttentionForwardBody<T>(
            heads, CpuTensor.Contiguous<T>(op, output), CpuTensor.Contiguous<T>(op, lse)));
    }

    private static void AttentionBackward<T>(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor output, Tensor lse, Tensor dq, Tensor dk, Tensor dv)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "AttentionBackward";
        using var heads = new AttentionHeads<T>(op, q, k, v);
        using var dO = new DenseCopy<T>(op, dout);
        using var o = new DenseCopy<T>(op, output);
        using var rowLse = new DenseCopy<T>(op, lse);
        using var rowD = new PooledBuffer<T>(lse.Numel);   // D (B, NH, T), written by pass 1, read by pass 2
        var rows = new AttentionGradRows<T>(heads, dO.Pointer, rowLse.Pointer, rowD.Pointer);
        CpuParallel.For(heads.QueryItems, heads.TileWork, new AttentionGradBody<T, AttentionQueryGradPass<T>>(
            heads, new(rows, o.Pointer, CpuTensor.Contiguous<T>(op, dq))));
        CpuParallel.For(heads.KeyItems, heads.TileWork, new AttentionGradBody<T, AttentionKeyGradPass<T>>(
            heads, new(rows, CpuTensor.Contiguous<T>(op, dk), CpuTensor.Contiguous<T>(op, dv))));
    }

    private readonly struct AttentionForwardBody<T>(AttentionHeads<T> heads, T* output, T* lse) : IRangeBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(long start, long end)
        {
            int HS = heads.HeadSize, tile = AttentionHeads<T>.QueryTile;
            using var scratch = new PooledBuffer<T>((long)tile * HS + AttentionHeads<T>.KeyTile + 2 * tile);
            T* acc = scratch.Pointer, s = acc + tile * HS, m = s + AttentionHeads<T>.KeyTile, l = m + tile;
            for (long item = start; item < end; item++)
            {
                var (b, h, t0, t1) = heads.QueryTileOf(item);
                new Span<T>(acc, tile * HS).Clear();
                new Span<T>(m, tile).Fill(T.NegativeInfinity);
                new Span<T>(l, tile).Clear();
                for (int j0 = 0; j0 <= heads.Position(t1 - 1); j0 += AttentionHeads<T>.KeyTile)
                    for (int t = Math.Max(t0, j0 - heads.Offset); t < t1; t++)   // rows that see key j0
                    {
                        int r = t - t0, j1 = heads.KeyEnd(t, j0);
                        T max = heads.Scores(b, h, heads.Q.Row(b, t, h), j0, j1, s);
                        max = T.Max(max, m[r]);
                        T correction = T.Exp(m[r] - max);   // 0 on the first tile (m = −∞)
                        var accRow = new Span<T>(acc + r * HS, HS);
                        TensorPrimitives.Multiply(accRow, correction, accRow);
                        T sum = T.Zero;
                        for (int j = j0; j < j1; j++)
                        {
                            T p = T.Exp(s[j - j0] - max);
                            sum += p;
                            TensorPrimitives.MultiplyAdd(heads.V.Span(b, j, h), p, accRow, accRow);
                        }
                        (m[r], l[r]) = (max, l[r] * correction + sum);
                    }
                for (int t = t0; t < t1; t++)
                {
                    int r = t - t0;
                    TensorPrimitives.Divide(new ReadOnlySpan<T>(acc + r * HS, HS), l[r], new Span<T>(output + heads.DenseRow(b, t, h), HS));
                    lse[heads.LseIndex(b, h, t)] = m[r] + T.Log(l[r]);
                }
            }
        }
    }

    /// <summary>One backward pass's work on one item (a query tile or a key tile of one (b, h)), given one key tile of scratch for P and dS.</summary>
    private interface IAttentionGradPass<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        void Item(AttentionHeads<T> heads, long item, T* p, T* dS);
    }

    /// <summary>The range loop both backward passes share: the per-thread scratch, then the pass on each item.</summary>
    private readonly struct AttentionGradBody<T, TPass>(AttentionHeads<T> heads, TPass pass) : IRangeBody
        where T : unmanaged, IFloatingPointIeee754<T>
        where TPass : struct, IAttentionGradPass<T>
    {
        public void Run(long start, long end)
        {
            T* p = stackalloc T[AttentionHeads<T>.KeyTile], dS = stackalloc T[AttentionHeads<T>.KeyTile];
            for (long item = start; item < end; item++)
                pass.Item(heads, item, p, dS);
        }
    }

    /// <summary>Pass 1 of the backward, per query tile: D_t for every row, and dq_t = Σ_j dS_tj k_j / √HS.</summary>
    private readonly struct AttentionQueryGradPass<T>(AttentionGradRows<T> rows, T* output, T* dq) : IAttentionGradPass<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Item(AttentionHeads<T> heads, long item, T* p, T* dS)
        {
            var (b, h, t0, t1) = heads.QueryTileOf(item);
            for (int j0 = 0; j0 <= heads.Position(t1 - 1); j0 += AttentionHeads<T>.KeyTile)
                for (int t = Math.Max(t0, j0 - heads.Offset); t < t1; t++)
                {
                    long row = heads.DenseRow(b, t, h);
                    var dqRow = new Span<T>(dq + row, heads.HeadSize);
                    if (j0 == 0)   // every row sees key 0: the first tile starts each row's D and dq
                    {
                        rows.D[heads.LseIndex(b, h, t)] = TensorPrimitives.Dot(new ReadOnlySpan<T>(rows.DOut + row, heads.HeadSize), new ReadOnlySpan<T>(output + row, heads.HeadSize));
                        dqRow.Clear();
                    }
                    int j1 = heads.KeyEnd(t, j0);
                    rows.Probabilities(b, h, t, j0, j1, p, dS);
                    for (int j = j0; j < j1; j++)
                        TensorPrimitives.MultiplyAdd(heads.K.Span(b, j, h), dS[j - j0] * heads.Scale, dqRow, dqRow);
                }
        }
    }

    /// <summary>Pass 2 of the backward, per key tile: dv_j = Σ_t P_tj dO_t and dk_j = Σ_t dS_tj q_t / √HS.</summary>
    private readonly struct AttentionKeyGradPass<T>(AttentionGradRows<T> rows, T* dk, T* dv) : IAttentionGradPass<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Item(AttentionHeads<T> heads, long item, T* p, T* dS)
        {
            var (b, h, j0, j1) = heads.KeyTileOf(item);
            int HS = heads.HeadSize;
            for (int j = j0; j < j1; j++)
            {
                new Span<T>(dk + heads.DenseKeyRow(b, j, h), HS).Clear();
                new Span<T>(dv + heads.DenseKeyRow(b, j, h), HS).Clear();
            }
            for (int t = Math.Max(0, j0 - heads.Offset); t < heads.Queries; t++)   // every query that sees key j0 or later
            {
                int jEnd = Math.Min(j1, heads.KeyEnd(t, j0));
                rows.Probabilities(b, h, t, j0, jEnd, p, dS);
                var qRow = heads.Q.Span(b, t, h);
                var dORow = new ReadOnlySpan<T>(rows.DOut + heads.DenseRow(b, t, h), HS);
                for (int j = j0; j < jEnd; j++)
                {
                    var dvRow = new Span<T>(dv + heads.DenseKeyRow(b, j, h), HS);
                    var dkRow = new Span<T>(dk + heads.DenseKeyRow(b, j, h), HS);
                    TensorPrimitives.MultiplyAdd(dORow, p[j - j0], dvRow, dvRow);
                    TensorPrimitives.MultiplyAdd(qRow, dS[j - j0] * heads.Scale, dkRow, dkRow);
                }
            }
        }
    }

    /// <summary>What both backward passes read per query row: dO (dense, (B, T, NH, HS)), lse and D (B, NH, T).</summary>
    private readonly struct AttentionGradRows<T>(AttentionHeads<T> heads, T* dOut, T* lse, T* d)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public AttentionHeads<T> Heads => heads;
        public T* DOut => dOut;
        public T* D => d;

        /// <summary>For keys j0..j1 of query t: P_j = exp(s_j − lse_t) and dS_j = P_j (dO_t · v_j − D_t), from index 0.</summary>
        public void Probabilities(int b, int h, int t, int j0, int j1, T* p, T* dS)
        {
            heads.Scores(b, h, heads.Q.Row(b, t, h), j0, j1, p);
            T rowLse = lse[heads.LseIndex(b, h, t)], rowD = d[heads.LseIndex(b, h, t)];
            var dORow = new ReadOnlySpan<T>(dOut + heads.DenseRow(b, t, h), heads.HeadSize);
            for (int j = j0; j < j1; j++)
            {
                p[j - j0] = T.Exp(p[j - j0] - rowLse);
                dS[j - j0] = p[j - j0] * (TensorPrimitives.Dot(dORow, heads.V.Span(b, j, h)) - rowD);
            }
        }
    }

    /// <summary>
    /// q, k, v as pointers over (b, t, h) with unit-stride head rows, the sizes, and the tiling: which
    /// rows and keys a work item covers, and which keys each query sees. Dispose frees any copies.
    /// </summary>
    private readonly struct AttentionHeads<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>Query rows per forward / dq work item: each key tile read serves this many rows.</summary>
        public const int QueryTile = 32;

        /// <summary>Keys per tile: one row's scores of a tile fit a stack buffer of this length.</summary>
        public const int KeyTile = 64;

        private readonly DenseCopy<T> _qCopy, _kCopy, _vCopy;

        public AttentionHeads(string op, Tensor q, Tensor k, Tensor v)
        {
            (Batch, Queries, Heads, HeadSize, Keys) = (q.Shape[0], q.Shape[1], q.Shape[2], q.Shape[3], k.Shape[1]);
            Scale = T.One / T.Sqrt(T.CreateChecked(HeadSize));
            Q = HeadRows<T>.Of(op, q, out _qCopy);
            K = HeadRows<T>.Of(op, k, out _kCopy);
            V = HeadRows<T>.Of(op, v, out _vCopy);
        }

        public int Batch { get; }
        public int Queries { get; }
        public int Heads { get; }
        public int HeadSize { get; }
        public int Keys { get; }
        public T Scale { get; }
        public HeadRows<T> Q { get; }
        public HeadRows<T> K { get; }
        public HeadRows<T> V { get; }

        /// <summary>TK − T: the position of query 0.</summary>
        public int Offset => Keys - Queries;

        public int Position(int t) => Offset + t;

        /// <summary>One past the last key of the tile from j0 that query t sees.</summary>
        public int KeyEnd(int t, int j0) => Math.Min(j0 + KeyTile, Position(t) + 1);

        private int QueryTiles => (Queries + QueryTile - 1) / QueryTile;
        private int KeyTiles => (Keys + KeyTile - 1) / KeyTile;
        public long QueryItems => (long)Batch * Heads * QueryTiles;
        public long KeyItems => (long)Batch * Heads * KeyTiles;

        /// <summary>Elements a work item touches, about: its tile against every key, a row at a time.</summary>
        public long TileWork => (long)QueryTile * Keys * HeadSize;

        /// <summary>Work item → (b, h, rows t0..t1); items run (b, h) major so chunks mix early and late tiles.</summary>
        public (int B, int H, int T0, int T1) QueryTileOf(long item)
        {
            var (b, h, tile) = Split(item, QueryTiles);
            return (b, h, tile * QueryTile, Math.Min(Queries, (tile + 1) * QueryTile));
        }

        public (int B, int H, int J0, int J1) KeyTileOf(long item)
        {
            var (b, h, tile) = Split(item, KeyTiles);
            return (b, h, tile * KeyTile, Math.Min(Keys, (tile + 1) * KeyTile));
        }

        private (int B, int H, int Tile) Split(long item, int tiles)
        {
            long pair = item / tiles;
            return ((int)(pair / Heads), (int)(pair % Heads), (int)(item % tiles));
        }

        /// <summary>s[j − j0] = scale · q_row · k_j for keys j0..j1; returns their max.</summary>
        public T Scores(int b, int h, T* qRow, int j0, int j1, T* s)
        {
            var q = new ReadOnlySpan<T>(qRow, HeadSize);
            T max = T.NegativeInfinity;
            for (int j = j0; j < j1; j++)
            {
                s[j - j0] = TensorPrimitives.Dot(q, K.Span(b, j, h)) * Scale;
                max = T.Max(max, s[j - j0]);
            }
            return max;
        }

        /// <summary>Element offset of row (b, t, h) in a dense (B, T, NH, HS) tensor (out, dO, dq).</summary>
        public long DenseRow(int b, int t, int h) => (((long)b * Queries + t) * Heads + h) * HeadSize;

        /// <summary>Element offset of row (b, j, h) in a dense (B, TK, NH, HS) tensor (dk, dv).</summary>
        public long DenseKeyRow(int b, int j, int h) => (((long)b * Keys + j) * Heads + h) * HeadSize;

        public long LseIndex(int b, int h, int t) => ((long)b * Heads + h) * Queries + t;

        public void Dispose()
        {
            _qCopy.Dispose();
            _kCopy.Dispose();
            _vCopy.Dispose();
        }
    }

    /// <summary>A (B, T, NH, HS) operand read in place when its head dimension is unit-stride, else through a dense copy.</summary>
    private readonly struct HeadRows<T>(T* data, long batchStride, long timeStride, long headStride, int headSize) where T : unmanaged, INumberBase<T>
    {
        public static HeadRows<T> Of(string op, Tensor x, out DenseCopy<T> copy)
        {
            copy = default;
            if (x.Strides[3] == 1 || x.Shape[3] == 1)
                return new(CpuTensor.Data<T>(op, x) + x.Offset, x.Strides[0], x.Strides[1], x.Strides[2], x.Shape[3]);
            copy = new DenseCopy<T>(op, x);
            return new(copy.Pointer, (long)x.Shape[1] * x.Shape[2] * x.Shape[3], (long)x.Shape[2] * x.Shape[3], x.Shape[3], x.Shape[3]);
        }

        public T* Row(int b, int t, int h) => data + b * batchStride + t * timeStride + h * headStride;

        public ReadOnlySpan<T> Span(int b, int t, int h) => new(Row(b, t, h), headSize);
    }
}
