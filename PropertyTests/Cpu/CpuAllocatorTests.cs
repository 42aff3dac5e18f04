// CpuAllocator: freed blocks are reused (same class, or a larger one up to four times the size), the
// counters add up after every operation, the cache cap and Trim give memory back to the OS, a
// storage nobody disposed is found by its finaliser and counted as a leak, many threads
// allocating and freeing at once never get the same block twice, and the environment variables
// parse or fail in one line. Each test owns its allocator, so tests running in parallel do not
// disturb its counters.
using System.Runtime.CompilerServices;
using MoeFromScratch.Tensors.Cpu;
using MoeFromScratch.Tensors.Cpu.Memory;

namespace MoeFromScratch.PropertyTests.Cpu;

public sealed unsafe class CpuAllocatorTests
{
    private static long Size(long bytes) => SizeClasses.BytesOf(SizeClasses.ClassOf(bytes));

    [Fact]
    public void A_freed_block_serves_the_next_request_of_its_class()
    {
        var allocator = new CpuAllocator();
        var first = allocator.Allocate(1000);
        allocator.Free(first);
        var second = allocator.Allocate(990);                  // same class (1024 bytes)

        Assert.Equal(first.Pointer, second.Pointer);
        var s = allocator.Stats;
        Assert.Equal((2L, 1L, 1L), (s.Allocations, s.CacheHits, s.OsAllocations));
        Assert.Equal((Size(990), 990L, 0L), (s.BytesInUse, s.RequestedBytes, s.BytesCached));
    }

    [Fact]
    public void Blocks_are_64_byte_aligned()
    {
        var allocator = new CpuAllocator();
        var blocks = new[] { 0L, 1, 63, 64, 65, 1000, 4097, 1 << 20, (1 << 20) + 3 }.Select(allocator.Allocate).ToList();
        Assert.All(blocks, b => Assert.Equal(0, b.Pointer % SizeClasses.Alignment));
        blocks.ForEach(b => allocator.Free(b));
    }

    [Fact]
    public void A_larger_cached_block_serves_a_request_up_to_a_quarter_of_its_size_and_no_smaller()
    {
        var allocator = new CpuAllocator();
        var big = allocator.Allocate(4096);
        allocator.Free(big);

        var tooSmall = allocator.Allocate(900);                // class 960: 4096 is more than 16 classes above
        Assert.NotEqual(big.Pointer, tooSmall.Pointer);
        var fits = allocator.Allocate(1100);                   // class 1152: 4096 is within 16 classes of it
        Assert.Equal(big.Pointer, fits.Pointer);
        Assert.Equal(4096, allocator.Stats.BytesInUse - Size(900)); // the block keeps its own class
        allocator.Free(fits);
        Assert.Equal(4096, allocator.Stats.BytesCached);
        allocator.Free(tooSmall);
    }

    [Fact]
    public void Counters_follow_allocations_frees_and_peaks()
    {
        var allocator = new CpuAllocator();
        var a = allocator.Allocate(1000);
        var b = allocator.Allocate(50_000);
        allocator.Free(a);
        var s = allocator.Stats;
        Assert.Equal((Size(50_000), 50_000L, Size(1000), 1L), (s.BytesInUse, s.RequestedBytes, s.BytesCached, s.LiveBlocks));
        Assert.Equal((Size(1000) + Size(50_000), 51_000L, Size(1000) + Size(50_000)), (s.PeakBytesInUse, s.PeakRequestedBytes, s.PeakBytesReserved));

        allocator.ResetPeaks();
        s = allocator.Stats;
        Assert.Equal((Size(50_000), 50_000L, Size(50_000) + Size(1000)), (s.PeakBytesInUse, s.PeakRequestedBytes, s.PeakBytesReserved));
        allocator.Free(b);
        s = allocator.Stats;
        Assert.Equal((0L, 0L, 0L, Size(1000) + Size(50_000)), (s.BytesInUse, s.RequestedBytes, s.LiveBlocks, s.BytesCached));
        Assert.Equal(s.BytesCached, s.BytesReserved);
    }

    [Fact]
    public void The_cache_cap_sends_blocks_back_to_the_os()
    {
        var allocator = new CpuAllocator(new CpuAllocatorOptions { MaxCachedBytes = Size(5000) });
        var a = allocator.Allocate(5000);
        var b = allocator.Allocate(5000);
        allocator.Free(a);                                     // fits under the cap
        allocator.Free(b);                                     // would exceed it: back to the OS
        var s = allocator.Stats;
        Assert.Equal((Size(5000), 1L), (s.BytesCached, s.OsFrees));

        var none = new CpuAllocator(new CpuAllocatorOptions { MaxCachedBytes = 0 });
        none.Free(none.Allocate(100));
        none.Free(none.Allocate(100));
        Assert.Equal((0L, 2L, 2L, 0L), (none.Stats.BytesCached, none.Stats.OsAllocations, none.Stats.OsFrees, none.Stats.CacheHits));
    }

    [Fact]
    public void Trim_returns_every_cached_block_and_leaves_live_ones_alone()
    {
        var allocator = new CpuAllocator();
        var live = allocator.Allocate(300);
        *(long*)live.Pointer = 42;
        foreach (var b in new[] { 1000L, 2000, 70_000 }.Select(allocator.Allocate).ToList()) allocator.Free(b);
        allocator.Trim();

        var s = allocator.Stats;
        Assert.Equal((0L, 3L, Size(300)), (s.BytesCached, s.OsFrees, s.BytesInUse));
        Assert.Equal(42, *(long*)live.Pointer);
        allocator.Free(live);
    }

    [Fact]
    public void Storages_release_their_block_when_the_last_view_is_disposed()
    {
        var allocator = new CpuAllocator();
        var backend = new CpuBackend(allocator);
        var t = Tensor.FromArray([1f, 2, 3, 4, 5, 6], [2, 3], backend);
        var view = t.Transpose(0, 1);
        t.Dispose();
        Assert.Equal(1, allocator.Stats.LiveBlocks);          // the view still holds the storage
        Assert.Equal([1f, 4, 2, 5, 3, 6], view.ToArray<float>());
        view.Dispose();
        Assert.Equal((0L, 0L), (allocator.Stats.LiveBlocks, allocator.Stats.BytesInUse));
        Assert.Throws<ObjectDisposedException>(() => ((CpuStorage)view.Storage).Pointer<float>());
    }

    [Fact]
    public void A_storage_nobody_disposed_is_freed_by_its_finaliser_and_counted_as_a_leak()
    {
        var allocator = new CpuAllocator();
        Leak(new CpuBackend(allocator));
        for (int i = 0; i < 10 && allocator.Stats.Leaked == 0; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        var s = allocator.Stats;
        Assert.Equal((1L, 0L, 0L), (s.Leaked, s.LiveBlocks, s.BytesInUse));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Leak(IBackend backend) => _ = Tensor.Zeros([1000], backend: backend);

    [Fact]
    public void Threads_allocating_and_freeing_at_once_never_share_a_block()
    {
        var allocator = new CpuAllocator(new CpuAllocatorOptions { MaxCachedBytes = 1 << 20 }); // small: the OS path runs too
        const int threads = 4, rounds = 3000;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, thread =>
        {
            var random = new Random(thread);
            var held = new List<(CpuBlock Block, long Mark)>();
            for (int i = 0; i < rounds; i++)
            {
                if (held.Count > 0 && (held.Count >= 8 || random.Next(2) == 0))
                {
                    var (block, mark) = held[random.Next(held.Count)];
                    held.Remove((block, mark));
                    // Both ends still carry this owner's mark: nobody else was handed the block meanwhile.
                    Assert.Equal(mark, *(long*)block.Pointer);
                    Assert.Equal(mark, *(long*)(block.Pointer + (nint)(block.Bytes - 8)));
                    allocator.Free(block);
                }
                else
                {
                    var block = allocator.Allocate(8 * random.Next(1, 40_000));
                    long mark = ((long)thread << 32) | (uint)i;
                    *(long*)block.Pointer = mark;
                    *(long*)(block.Pointer + (nint)(block.Bytes - 8)) = mark;
                    held.Add((block, mark));
                }
            }
            held.ForEach(h => allocator.Free(h.Block));
        });

        var s = allocator.Stats;
        Assert.Equal((0L, 0L, 0L), (s.LiveBlocks, s.BytesInUse, s.RequestedBytes));
        Assert.Equal(s.Allocations, s.CacheHits + s.OsAllocations);
        Assert.True(s.BytesCached <= 1 << 20 && s.CacheHits > 0 && s.OsFrees > 0, s.ToString());
    }

    [Fact]
    public void Environment_variables_set_the_cap_and_poison_mode_or_fail_in_one_line()
    {
        var options = CpuAllocatorOptions.FromEnvironment(name => name switch
        {
            CpuAllocatorOptions.CacheVariable => "256",
            CpuAllocatorOptions.PoisonVariable => "1",
            _ => null,
        });
        Assert.Equal((256L << 20, true), (options.MaxCachedBytes, options.Poison));
        Assert.False(CpuAllocatorOptions.FromEnvironment(_ => null).Poison);

        var cache = Assert.Throws<UsageException>(() => CpuAllocatorOptions.FromEnvironment(n => n == CpuAllocatorOptions.CacheVariable ? "lots" : null));
        Assert.StartsWith("MOE_CPU_CACHE_MIB=lots:", cache.Message);
        var poison = Assert.Throws<UsageException>(() => CpuAllocatorOptions.FromEnvironment(n => n == CpuAllocatorOptions.PoisonVariable ? "yes" : null));
        Assert.StartsWith("MOE_CPU_POISON=yes:", poison.Message);
    }
}
