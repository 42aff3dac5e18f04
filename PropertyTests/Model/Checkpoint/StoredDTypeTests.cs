// float32 → bf16/fp16 → float32: round to nearest, ties to even, checked against known bit
// patterns and, on random floats, against an oracle that picks the nearer of the two neighbours.
using MoeFromScratch.Model.Checkpoint;

namespace MoeFromScratch.PropertyTests.Model.Checkpoint;

public sealed class StoredDTypeTests
{
    // bf16 keeps 7 mantissa bits: near 1 its step is 2^-7, so 1 + 2^-8 is exactly half way.
    [Theory]
    [InlineData(1.0f, 0x3F80)]
    [InlineData(-2.0f, 0xC000)]
    [InlineData(1 + 1f / 256, 0x3F80)]              // tie → even (down)
    [InlineData(1 + 3f / 256, 0x3F82)]              // tie → even (up)
    [InlineData(1 + 1f / 256 + 1f / 65536, 0x3F81)] // just above half way → up
    [InlineData(float.PositiveInfinity, 0x7F80)]
    [InlineData(float.MaxValue, 0x7F80)]            // rounds past the largest bf16 → inf, as PyTorch does
    [InlineData(1e-40f, 0x0001)]                    // subnormals round like any other value
    public void Bf16_rounds_to_nearest_even(float value, int bits) =>
        Assert.Equal((ushort)bits, StoredDTypes.ToBFloat16(value));

    [Fact]
    public void Bf16_keeps_nan_a_nan()
    {
        Assert.True(float.IsNaN(StoredDTypes.FromBFloat16(StoredDTypes.ToBFloat16(float.NaN))));
        Assert.True(float.IsNaN(StoredDTypes.FromBFloat16(StoredDTypes.ToBFloat16(BitConverter.UInt32BitsToSingle(0x7F800001)))));
    }

    [Property(MaxTest = 2000)]
    public void Bf16_is_the_nearest_with_ties_to_even(uint bits)
    {
        float x = BitConverter.UInt32BitsToSingle(bits);
        if (!float.IsFinite(x)) return;
        // The two bf16 values around x: x with the low 16 bits cleared, and the next one away from 0.
        float low = BitConverter.UInt32BitsToSingle(bits & 0xFFFF0000);
        float high = BitConverter.UInt32BitsToSingle((bits & 0xFFFF0000) + 0x10000);
        double dLow = Math.Abs((double)x - low), dHigh = Math.Abs((double)x - high);
        float expected = dLow < dHigh ? low : dHigh < dLow ? high : ((bits >> 16) & 1) == 0 ? low : high;
        Assert.Equal(expected, StoredDTypes.FromBFloat16(StoredDTypes.ToBFloat16(x)));
    }

    [Property(MaxTest = 2000)]
    public void Fp16_is_the_nearest(float x)
    {
        if (!float.IsFinite(x) || Math.Abs(x) > 65504) return;
        var h = (Half)x;
        double error = Math.Abs((double)(float)h - x);
        Assert.True(error <= Math.Abs((double)(float)Half.BitIncrement(h) - x));
        Assert.True(error <= Math.Abs((double)(float)Half.BitDecrement(h) - x));
    }

    [Fact]
    public void Encode_and_decode_are_little_endian()
    {
        var bytes = new byte[8];
        StoredDTypes.Encode(StoredDType.BF16, [1.0f, -2.0f, 0.5f, 3.0f], bytes);
        Assert.Equal(new byte[] { 0x80, 0x3F, 0x00, 0xC0, 0x00, 0x3F, 0x40, 0x40 }, bytes);
        StoredDTypes.Encode(StoredDType.F16, [1.0f, -2.0f, 0.5f, 65504f], bytes);
        Assert.Equal(new byte[] { 0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38, 0xFF, 0x7B }, bytes);
        var back = new float[4];
        StoredDTypes.Decode(StoredDType.F16, bytes, back);
        Assert.Equal([1.0f, -2.0f, 0.5f, 65504f], back);
    }
}
