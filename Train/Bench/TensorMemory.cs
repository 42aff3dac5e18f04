// TensorMemory: what the CPU allocator's counters say about training memory, beside the RSS and the
// estimate — counted tensor bytes, not guesses:
//   persistent  live tensor bytes between steps (parameters, gradients, AdamW moments, and whatever
//               else lives for the whole run)
//   tape        bytes a forward pass leaves alive for the backward pass (every op output and saved
//               tensor the graph holds), counted by running one forward on random tokens
//   peak live   the most tensor bytes alive at once during the timed steps (backward's gradients
//               and temporaries on top of persistent + tape)
//   reserved    the allocator's peak of live + cached blocks (size-class rounding and the cache
//               included): its share of the resident set
//   OS allocations during the timed steps: 0 once the cache has warmed up
// Only for the CPU backend (null elsewhere). The tape probe runs after the timed steps, so it
// changes nothing that was timed.
using MoeFromScratch.Tensors;
using MoeFromScratch.Tensors.Cpu;
using MoeFromScratch.Tensors.Cpu.Memory;
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.Train.Bench;

public sealed record TensorMemory(long PersistentBytes, long TapeBytes, long PeakLiveBytes, long PeakReservedBytes,
    long TimedAllocations, long TimedOsAllocations, AllocatorStats Allocator)
{
    /// <summary>The allocator behind a backend, or null when it is not the CPU.</summary>
    public static CpuAllocator? AllocatorOf(IBackend backend) => (backend as CpuBackend)?.Allocator;

    /// <summary>
    /// Reads the timed window's peaks and counts from allocator (warmedUp: its counters as the warm-up
    /// ended, when its peaks were reset), then counts the tape
    /// of one forward pass over rows, a (B, T+1) window batch, and frees it with a backward pass, whose
    /// parameter gradients are then zeroed again.
    /// </summary>
    public static TensorMemory Probe(CpuAllocator allocator, AllocatorStats warmedUp, ILanguageModel model, int[] rows, int batch, int seq, IBackend backend)
    {
        var timed = allocator.Stats;
        long persistent = timed.RequestedBytes;
        long tape;
        using (new TensorScope())
        {
            var (inputs, targets) = Batches.ToTensors(rows, batch, seq, backend);
            long before = allocator.Stats.RequestedBytes;
            var loss = model.Forward(inputs, targets).Loss ?? throw new InvalidOperationException("the model returned no loss although targets were given");
            tape = allocator.Stats.RequestedBytes - before;
            loss.Backward();                     // frees the graph's saved tensors
        }
        foreach (var p in model.Module.Parameters()) p.ZeroGrad();
        return new TensorMemory(persistent, tape, timed.PeakRequestedBytes, timed.PeakBytesReserved,
            timed.Allocations - warmedUp.Allocations, timed.OsAllocations - warmedUp.OsAllocations, timed);
    }
}
