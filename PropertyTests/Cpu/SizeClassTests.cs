// SizeClasses: every request fits its class, a class is never more than 1/8 above the request
// (rounded to 64 bytes) beyond the first kilobyte, classes are 64-byte multiples that grow with
// their index, and a class's own size maps back to it.
using MoeFromScratch.Tensors.Cpu.Memory;

namespace MoeFromScratch.PropertyTests.Cpu;

public sealed class SizeClassTests
{
    public static class Requests
    {
        // Small sizes, sizes around powers of two, and anything up to 2^40 bytes.
        public static Arbitrary<long> Bytes() => Gen.OneOf(
            Gen.Choose(0, 5000).Select(i => (long)i),
            from k in Gen.Choose(6, 40) from d in Gen.Choose(-65, 65) select Math.Max(0, (1L << k) + d),
            from hi in Gen.Choose(0, 1 << 20) from lo in Gen.Choose(0, 1 << 20) select ((long)hi << 20) | (long)lo).ToArbitrary();
    }

    [Property(Arbitrary = [typeof(Requests)], MaxTest = 2000)]
    public void A_request_fits_its_class_with_at_most_an_eighth_to_spare(long bytes)
    {
        int c = SizeClasses.ClassOf(bytes);
        long size = SizeClasses.BytesOf(c);
        long rounded = Math.Max(64, (bytes + 63) / 64 * 64);
        Assert.True(size >= bytes, $"{bytes} bytes: class {c} holds only {size}");
        Assert.Equal(0, size % SizeClasses.Alignment);
        if (rounded > 1024) Assert.True(size * 8 <= rounded * 9, $"{bytes} bytes: class {c} of {size} wastes more than 1/8");
        else Assert.Equal(rounded, size);
        if (c > 0) Assert.True(SizeClasses.BytesOf(c - 1) < bytes, $"{bytes} bytes: the smaller class {c - 1} ({SizeClasses.BytesOf(c - 1)}) would hold it");
    }

    [Fact]
    public void Classes_grow_and_their_sizes_map_back_to_them()
    {
        for (int c = 0; c < 300; c++)
        {
            Assert.Equal(c, SizeClasses.ClassOf(SizeClasses.BytesOf(c)));
            if (c > 0) Assert.True(SizeClasses.BytesOf(c) > SizeClasses.BytesOf(c - 1), $"class {c}");
        }
        Assert.Equal(0, SizeClasses.ClassOf(0));
        Assert.Equal(64, SizeClasses.BytesOf(0));
    }
}
