// Philox4x32-10 against the published known-answer vectors (Random123's kat_vectors; the same
// three were recomputed with an independent 15-line Python transcription of the paper's round
// function), and the counter mapping: element i depends only on (seed, i).
using MoeFromScratch.Tensors.Random;

namespace MoeFromScratch.PropertyTests.Tensors;

public class PhiloxTests
{
    [Theory]
    // counter words c0..c3,                            key k0, k1                →  x0..x3
    [InlineData(0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)]
    [InlineData(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu)]
    [InlineData(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u, 0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u)]
    public void KnownAnswerVectors(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1, uint x0, uint x1, uint x2, uint x3) =>
        Assert.Equal((x0, x1, x2, x3), Philox.Block(c0, c1, c2, c3, k0, k1));

    [Fact]
    public void ElementCounterAndSeedKeyLayout()
    {
        // counter (i_lo, i_hi, 0, 0), key (seed_lo, seed_hi)
        ulong seed = 0x299f31d0_a4093822;
        long i = 0x0000_0007_0000_0005;
        Assert.Equal(Philox.Block(5, 7, 0, 0, 0xa4093822, 0x299f31d0), Philox.ForElement(seed, i));
        Assert.Equal((0x6627e8d5u >> 8) / 16777216.0, Philox.Uniform(0, 0));
    }

    [Fact]
    public void TensorElementsDependOnlyOnSeedAndPosition()
    {
        using var scope = new TensorScope();
        var small = Tensor.Rand([3], 42, dtype: DType.Float64, backend: OnReference.Backend).ToDoubleArray();
        var large = Tensor.Rand([4, 5], 42, dtype: DType.Float64, backend: OnReference.Backend).ToDoubleArray();
        Assert.Equal(small, large[..3]);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => Philox.Uniform(42, i)), large);
    }
}
