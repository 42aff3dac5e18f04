// SizeClasses: the block sizes the CPU caching allocator hands out. A request is rounded up to a
// class, every block of a class has the class's size, so any cached block of the class fits any
// request of the class and reuse is one stack pop.
//   up to 1 KiB:  multiples of 64 bytes (16 classes)
//   above:        8 classes per power of two, so a block is at most 12.5% larger than asked for
// (the jemalloc/tcmalloc scheme). The tail of a large block that a tensor never touches is never
// faulted in, so the rounding costs address space more than resident memory.
// It deliberately is not: a splitting or best-fit scheme — training repeats the same shapes every
// step, so exact class reuse is what matters.
namespace MoeFromScratch.Tensors.Cpu.Memory;

public static class SizeClasses
{
    /// <summary>Every block starts at a multiple of this (a cache line; what AVX-512 loads like).</summary>
    public const int Alignment = 64;

    private const int SmallGranules = 16;   // classes 0..15: 64, 128, ..., 1024 bytes
    /// <summary>Classes between a size and its double (above 1 KiB).</summary>
    public const int ClassesPerDoubling = 8;

    /// <summary>The class of a request of this many bytes (0 bytes is class 0, one 64-byte block).</summary>
    public static int ClassOf(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        long granules = Math.Max(1, (bytes + Alignment - 1) / Alignment);
        if (granules <= SmallGranules) return (int)granules - 1;
        // 2^k < granules <= 2^(k+1), k >= 4; the doubling [2^k, 2^(k+1)] splits into 8 steps of 2^(k-3).
        int k = 63 - (int)long.LeadingZeroCount(granules - 1);
        long step = 1L << (k - 3);
        long sub = (granules - (1L << k) + step - 1) / step;         // 1..8
        return SmallGranules + (k - 4) * ClassesPerDoubling + (int)sub - 1;
    }

    /// <summary>The size in bytes of every block of class c (at least any request that maps to c).</summary>
    public static long BytesOf(int c)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(c);
        if (c < SmallGranules) return (c + 1L) * Alignment;
        int k = (c - SmallGranules) / ClassesPerDoubling + 4, sub = (c - SmallGranules) % ClassesPerDoubling + 1;
        return ((1L << k) + sub * (1L << (k - 3))) * Alignment;
    }
}
