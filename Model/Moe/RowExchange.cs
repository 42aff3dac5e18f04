// RowExchange: the one differentiable collective of expert parallelism — an all-to-all of whole
// rows. Forward: x's rows in P consecutive blocks, block d (sendRows[d] rows) to rank d; the output
// is the blocks received, in source-rank order. Backward: the mirror — dy's blocks go back to the
// ranks they came from (send and receive counts swapped), so each row's gradient lands on the row
// that was sent. Every rank must call it in the same order, forward and backward, even with zero
// rows to send or receive (the counts are still exchanged); the tape's backward order is the same
// on every rank because every rank builds the same graph.
// Rows pass through the host: the ICommunicator moves host spans. Each rank keeps one send and one
// receive buffer per element type, grown to the largest exchange seen, so a step allocates no host
// arrays for its exchanges (the same reason DataParallel keeps its all-reduce buffer).
// Not here: which rows go where (ExpertExchange.cs).
using System.Runtime.CompilerServices;
using MoeFromScratch.Autograd;
using MoeFromScratch.Distributed;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model.Moe;

public static class RowExchange
{
    /// <summary>x (Σ sendRows, C) -> (Σ receiveRows, C): block d of x to rank d, block s of the result from rank s.</summary>
    public static Variable AllToAll(ICommunicator world, Variable x, int[] sendRows, int[] receiveRows) =>
        Tape.Record("AllToAllRows", Exchange(world, x.Data, sendRows, receiveRows), [x],
            (dy, n) => Exchange(world, dy, receiveRows, sendRows));          // the mirror: each row's gradient back to its sender

    /// <summary>The exchange on plain tensors: (Σ sendRows, C) -> (Σ receiveRows, C), float32, float64 or bfloat16.</summary>
    public static Tensor Exchange(ICommunicator world, Tensor x, int[] sendRows, int[] receiveRows) => x.DType switch
    {
        DType.Float32 => Exchange<float>(world, x, sendRows, receiveRows),
        DType.Float64 => Exchange<double>(world, x, sendRows, receiveRows),
        DType.BFloat16 => Widened(world, x, sendRows, receiveRows),
        _ => throw new NotSupportedException($"RowExchange: rows of {x.DType.Name()} are not exchanged (float32, float64 and bfloat16 are)"),
    };

    // bf16 rows travel as float32 (exact both ways, twice bf16's bytes on the wire: the collectives
    // carry float, double and int; a 16-bit MPI type would halve it).
    private static Tensor Widened(ICommunicator world, Tensor x, int[] sendRows, int[] receiveRows)
    {
        using var wide = x.Cast(DType.Float32);
        using var received = Exchange<float>(world, wide, sendRows, receiveRows);
        return received.Cast(DType.BFloat16);
    }

    private static Tensor Exchange<T>(ICommunicator world, Tensor x, int[] sendRows, int[] receiveRows) where T : unmanaged
    {
        if (x.Rank != 2 || x.Shape[0] != sendRows.Sum())
            throw new ShapeException($"RowExchange: x {Shape.Format(x.Shape)} must be ({sendRows.Sum()}, C): the rows sent to all ranks");
        int C = x.Shape[1], received = receiveRows.Sum();
        var buffers = HostBuffers.GetOrCreateValue(world);
        var send = buffers.Span<T>(0, checked((int)x.Numel));
        if (x.IsContiguous) x.CopyTo<T>(0, send);
        else x.ToArray<T>().CopyTo(send);
        var receive = buffers.Span<T>(1, checked(received * C));
        world.AllToAllV<T>(send, Elements(sendRows, C), receive, Elements(receiveRows, C));
        return Tensor.FromSpan<T>(receive, [received, C], x.Backend);
    }

    // One pair of buffers per communicator, i.e. per rank (ranks run as threads in the tests have their own).
    private static readonly ConditionalWeakTable<ICommunicator, ExchangeBuffers> HostBuffers = new();

    private sealed class ExchangeBuffers
    {
        private readonly Dictionary<(Type, int), Array> _arrays = [];

        /// <summary>The first length elements of buffer slot (0 send, 1 receive) for T, grown (never shrunk) to fit.</summary>
        public Span<T> Span<T>(int slot, int length) where T : unmanaged
        {
            if (!_arrays.TryGetValue((typeof(T), slot), out var array) || array.Length < length)
                _arrays[(typeof(T), slot)] = array = new T[length];
            return ((T[])array).AsSpan(0, length);
        }
    }

    // Rows to elements; the communicator counts elements in ints (checked: a block past 2^31 - 1 elements fails loudly).
    private static int[] Elements(int[] rows, int C) => rows.Select(r => checked(r * C)).ToArray();
}
