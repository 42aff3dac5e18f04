// CpuAllocator: native, 64-byte-aligned memory for CPU tensors, with a cache of freed blocks — the
// idea of PyTorch's CUDA caching allocator, on the host. Every op output is a new storage, and a
// training step makes thousands of them with the same sizes as the step before; asking the OS each
// time costs a page fault and a page clear per 4 KiB (a third of `tiny`'s step time with managed
// arrays), and memory left to a garbage collector lingers long after the last tensor let go of it.
//
//   Allocate(bytes)  rounds up to a size class (SizeClasses) and pops a cached block of that class,
//                    else one of the next larger classes up to four times the size (MaxOversizeClasses:
//                    blocks freed early in a step then serve other shapes later in it, instead of
//                    lying idle while new ones are faulted in), else asks the OS
//                    (NativeMemory.AlignedAlloc); if the OS refuses, the cache is released and the
//                    request tried once more.
//   Free(block)      pushes the block onto its class's stack, unless the cache would then hold more
//                    than MaxCachedBytes: then it goes straight back to the OS.
//   Trim()           returns every cached block to the OS; also done after a full (gen2) garbage
//                    collection that finds the machine's memory load high.
//
// Blocks are NOT zeroed: a new storage holds whatever the last tensor left there (or the OS's
// zeros). Code that needs zeros writes them (Tensor.Zeros is a Fill).
// Poison mode (tests, or MOE_CPU_POISON=1) fills every block handed out and every block freed
// with 0xFF bytes — NaN as float32 and float64, -1 as int32 — and keeps freed blocks in a
// quarantine (QuarantineBytes, first in first out) before they may be reused, so a read of a
// released tensor sees NaN and a kernel that relied on zeroed outputs gives wrong answers.
// Thread-safe: one lock around the free lists and counters; OS calls and poisoning run outside it.
//
// It deliberately is not: a general-purpose malloc (no splitting or coalescing of blocks), nor
// per-thread caches (allocation is per op, not per element, so one lock is cheap enough).
using System.Runtime.InteropServices;

namespace MoeFromScratch.Tensors.Cpu.Memory;

public sealed unsafe class CpuAllocator
{
    /// <summary>The byte every block is filled with in poison mode: NaN in float32/float64, -1 in int32.</summary>
    public const byte PoisonByte = 0xFF;

    private static readonly Lazy<CpuAllocator> _shared = new(() => new CpuAllocator(CpuAllocatorOptions.FromEnvironment()));

    private readonly Lock _lock = new();
    private readonly List<Stack<nint>> _free = [];                 // per size class, cached blocks
    private readonly Queue<(nint Block, int Class)> _quarantine = new();
    private long _quarantinedBytes;
    private AllocatorStats _stats;

    public CpuAllocator(CpuAllocatorOptions? options = null)
    {
        Options = options ?? new CpuAllocatorOptions();
        Options.Validate();
        MemoryPressureTrim.Watch(this);
    }

    /// <summary>The allocator every CPU tensor uses unless its backend was given another.</summary>
    public static CpuAllocator Shared => _shared.Value;

    public CpuAllocatorOptions Options { get; }

    /// <summary>A snapshot of the counters.</summary>
    public AllocatorStats Stats
    {
        get { lock (_lock) return _stats; }
    }

    /// <summary>Starts the peak counters afresh from the current values (a benchmark's timed window).</summary>
    public void ResetPeaks()
    {
        lock (_lock)
        {
            _stats.PeakBytesInUse = _stats.BytesInUse;
            _stats.PeakRequestedBytes = _stats.RequestedBytes;
            _stats.PeakBytesReserved = _stats.BytesInUse + _stats.BytesCached;
        }
    }

    /// <summary>A 64-byte-aligned block of at least `bytes` bytes, uninitialised (poisoned in poison mode).</summary>
    public CpuBlock Allocate(long bytes)
    {
        int c = SizeClasses.ClassOf(bytes);
        nint pointer = 0;
        lock (_lock)
        {
            int from = TakeCachedLocked(c);
            if (from >= 0)
            {
                pointer = _free[from].Pop();
                c = from;
                _stats.BytesCached -= SizeClasses.BytesOf(c);
                _stats.CacheHits++;
                CountAllocationLocked(SizeClasses.BytesOf(c), bytes);
            }
        }
        if (pointer == 0)
        {
            pointer = AllocateFromOs(SizeClasses.BytesOf(c), bytes);
            lock (_lock)
            {
                _stats.OsAllocations++;
                CountAllocationLocked(SizeClasses.BytesOf(c), bytes);
            }
        }
        if (Options.Poison) NativeMemory.Fill((void*)pointer, (nuint)bytes, PoisonByte);
        return new CpuBlock(pointer, c, bytes);
    }

    // The class to pop for a request of class c: c itself, else the smallest larger class with a
    // cached block within Options.MaxOversizeClasses; -1 when the OS must be asked.
    private int TakeCachedLocked(int c)
    {
        int last = Math.Min(_free.Count - 1, c + Options.MaxOversizeClasses);
        for (int k = c; k <= last; k++)
            if (_free[k].Count > 0) return k;
        return -1;
    }

    private void CountAllocationLocked(long size, long bytes)
    {
        _stats.Allocations++;
        _stats.LiveBlocks++;
        _stats.BytesInUse += size;
        _stats.RequestedBytes += bytes;
        _stats.PeakBytesInUse = Math.Max(_stats.PeakBytesInUse, _stats.BytesInUse);
        _stats.PeakRequestedBytes = Math.Max(_stats.PeakRequestedBytes, _stats.RequestedBytes);
        _stats.PeakBytesReserved = Math.Max(_stats.PeakBytesReserved, _stats.BytesInUse + _stats.BytesCached);
    }

    /// <summary>Takes back a block from Allocate; leaked: it was found by a finaliser, not released.</summary>
    public void Free(CpuBlock block, bool leaked = false)
    {
        if (block.Pointer == 0) throw new ArgumentException("CpuAllocator.Free: null block");
        int c = block.Class;
        long size = SizeClasses.BytesOf(c);
        if (Options.Poison) NativeMemory.Fill((void*)block.Pointer, (nuint)block.Bytes, PoisonByte);
        List<nint>? toOs = null;
        lock (_lock)
        {
            _stats.LiveBlocks--;
            _stats.BytesInUse -= size;
            _stats.RequestedBytes -= block.Bytes;
            if (leaked) _stats.Leaked++;
            if (Options.Poison)
            {
                // Quarantine first: a stale pointer keeps reading poison until the block leaves it.
                _quarantine.Enqueue((block.Pointer, c));
                _quarantinedBytes += size;
                _stats.BytesCached += size;
                while (_quarantinedBytes > Options.QuarantineBytes && _quarantine.TryDequeue(out var oldest))
                {
                    long oldSize = SizeClasses.BytesOf(oldest.Class);
                    _quarantinedBytes -= oldSize;
                    _stats.BytesCached -= oldSize;
                    if (!CacheLocked(oldest.Block, oldest.Class, oldSize)) (toOs ??= []).Add(oldest.Block);
                }
            }
            else if (!CacheLocked(block.Pointer, c, size))
            {
                toOs = [block.Pointer];
            }
        }
        if (toOs is not null)
            foreach (var b in toOs) FreeToOs(b);
    }

    /// <summary>Returns every cached (and quarantined) block to the OS; blocks in use are untouched.</summary>
    public void Trim()
    {
        var blocks = new List<nint>();
        lock (_lock)
        {
            foreach (var stack in _free)
            {
                blocks.AddRange(stack);
                stack.Clear();
            }
            foreach (var (block, _) in _quarantine) blocks.Add(block);
            _quarantine.Clear();
            _quarantinedBytes = 0;
            _stats.BytesCached = 0;
        }
        foreach (var b in blocks) FreeToOs(b);
    }

    // Caller holds the lock. False when the cap says the block must go back to the OS instead.
    private bool CacheLocked(nint block, int c, long size)
    {
        if (_stats.BytesCached + size > Options.MaxCachedBytes) return false;
        while (_free.Count <= c) _free.Add(new Stack<nint>());
        _free[c].Push(block);
        _stats.BytesCached += size;
        _stats.PeakBytesReserved = Math.Max(_stats.PeakBytesReserved, _stats.BytesInUse + _stats.BytesCached);
        return true;
    }

    private nint AllocateFromOs(long size, long bytes)
    {
        try
        {
            return (nint)NativeMemory.AlignedAlloc((nuint)size, SizeClasses.Alignment);
        }
        catch (OutOfMemoryException)
        {
            // As PyTorch's caching allocator does when the device is full: give the cache back, try once more.
            Trim();
            try
            {
                return (nint)NativeMemory.AlignedAlloc((nuint)size, SizeClasses.Alignment);
            }
            catch (OutOfMemoryException e)
            {
                throw new OutOfMemoryException($"cpu: cannot allocate a tensor of {bytes} bytes ({Stats.BytesInUse} bytes already in use by tensors)", e);
            }
        }
    }

    private void FreeToOs(nint block)
    {
        NativeMemory.AlignedFree((void*)block);
        lock (_lock) _stats.OsFrees++;
    }
}

/// <summary>A block from CpuAllocator.Allocate: where it is, its size class, and the bytes asked for.</summary>
public readonly record struct CpuBlock(nint Pointer, int Class, long Bytes);
