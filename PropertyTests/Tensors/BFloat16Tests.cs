// BFloat16's conversions against an oracle that knows nothing of bit tricks: the bf16 values are
// ordered like their bit patterns (for one sign), so a binary search finds the two neighbours of x,
// and exact double arithmetic picks the nearer (Sterbenz: x − low and high − x are exact, both
// neighbours lying within a factor 2 of x), ties to the even pattern. Past the largest finite bf16
// the upper neighbour is 2^128, the value IEEE 754 rounds against when it decides overflow to ∞.
// Also: every one of the 65536 patterns survives bf16 → float32 → bf16; the vector spans agree with
// the scalar conversion on every pattern.
namespace MoeFromScratch.PropertyTests.Tensors;

public sealed class BFloat16Tests
{
    private const ushort PositiveInfinity = 0x7F80;

    /// <summary>The value of a non-negative finite pattern, or 2^128 for +∞ (overflow's threshold partner).</summary>
    private static double Magnitude(int bits) => bits == PositiveInfinity ? Math.Pow(2, 128) : new BFloat16((ushort)bits).ToSingle();

    /// <summary>Nearest bf16 to a finite x, ties to even, by search over the patterns 0..0x7F80.</summary>
    private static ushort Nearest(double x)
    {
        double a = Math.Abs(x);
        int low = 0, high = PositiveInfinity;                // invariant: Magnitude(low) ≤ a < Magnitude(high), or a is past them
        if (a >= Magnitude(high)) low = high;
        while (high - low > 1)
        {
            int mid = (low + high) / 2;
            if (Magnitude(mid) <= a) low = mid; else high = mid;
        }
        int nearest = low == high || a - Magnitude(low) < Magnitude(high) - a ? low
            : a - Magnitude(low) > Magnitude(high) - a ? high
            : (low & 1) == 0 ? low : high;
        return (ushort)(nearest | (double.IsNegative(x) ? 0x8000 : 0));
    }

    [Property(MaxTest = 3000)]
    public void From_single_is_the_nearest_ties_to_even(uint bits)
    {
        float x = BitConverter.UInt32BitsToSingle(bits);
        if (float.IsNaN(x)) return;
        Assert.Equal(Nearest(x), BFloat16.FromSingle(x).Bits);
    }

    [Property(MaxTest = 3000)]
    public void From_double_rounds_once_to_the_nearest(ulong bits)
    {
        // Doubles from their bits cover every exponent; most fall outside bf16's range (±0 or ±∞), so
        // half of the cases are scaled into it instead, where the mantissa's 45 extra bits matter.
        double x = BitConverter.UInt64BitsToDouble(bits);
        if (double.IsNaN(x)) return;
        if ((bits & 1) == 0) x = Math.ScaleB(1 + (bits >> 12) / Math.Pow(2, 52), (int)(bits % 280) - 140) * (x < 0 ? -1 : 1);
        Assert.Equal(Nearest(x), BFloat16.FromDouble(x).Bits);
    }

    /// <summary>A double just above a bf16 midpoint rounds to nearest float32 AT the midpoint: rounding twice would go to even.</summary>
    [Fact]
    public void From_double_does_not_round_twice()
    {
        double justAbove = 1 + Math.Pow(2, -8) + Math.Pow(2, -40);  // midpoint of 1 and 1 + 2^-7, plus less than half a float32 ulp
        Assert.Equal(1 + Math.Pow(2, -8), (double)(float)justAbove);
        Assert.Equal(0x3F81, BFloat16.FromDouble(justAbove).Bits);
        Assert.Equal(0x3F80, BFloat16.FromSingle((float)justAbove).Bits);   // what float32 first would give
    }

    [Property(MaxTest = 2000)]
    public void Midpoints_go_to_the_even_neighbour(ushort bits)
    {
        int magnitude = bits & 0x7FFF;
        if (magnitude >= 0x7F7F) return;                     // the last finite pattern's midpoint is overflow's
        double sign = (bits & 0x8000) != 0 ? -1 : 1;
        double mid = sign * (Magnitude(magnitude) + Magnitude(magnitude + 1)) / 2;   // exact in float32: 9 significant bits
        int even = (magnitude & 1) == 0 ? magnitude : magnitude + 1;
        Assert.Equal((ushort)(even | (bits & 0x8000)), BFloat16.FromSingle((float)mid).Bits);
        Assert.Equal((ushort)(even | (bits & 0x8000)), BFloat16.FromDouble(mid).Bits);
    }

    [Fact]
    public void Overflow_follows_ieee()
    {
        double max = Magnitude(0x7F7F), threshold = (max + Math.Pow(2, 128)) / 2;
        Assert.Equal(0x7F7F, BFloat16.FromDouble(threshold - Math.Pow(2, 100)).Bits);  // below half an ulp past max: max
        Assert.Equal(0x7F80, BFloat16.FromDouble(threshold).Bits);                      // the midpoint: the even side, ∞
        Assert.Equal(0xFF80, BFloat16.FromSingle(-float.MaxValue).Bits);
        Assert.Equal(0x7F80, BFloat16.FromDouble(1e300).Bits);
        Assert.Equal(0x8000, BFloat16.FromDouble(-1e-300).Bits);                        // underflow keeps the sign
    }

    [Fact]
    public void Every_pattern_round_trips_and_nan_stays_a_quiet_nan()
    {
        for (int bits = 0; bits <= ushort.MaxValue; bits++)
        {
            var value = new BFloat16((ushort)bits);
            float wide = value.ToSingle();
            if (!value.IsNaN)
            {
                Assert.Equal(bits, BFloat16.FromSingle(wide).Bits);
                Assert.Equal(bits, BFloat16.FromDouble(wide).Bits);
                continue;
            }
            Assert.True(float.IsNaN(wide));
            Assert.Equal(bits | 0x0040, BFloat16.FromSingle(wide).Bits);    // sign and payload kept, quiet bit set
            Assert.True(BFloat16.FromDouble(wide).IsNaN);
        }
    }

    [Fact]
    public void Spans_convert_like_the_scalars()
    {
        // Every pattern, widened as a span and narrowed back; then every pattern's float32 neighbours
        // (±1 in the low bits, so each rounding direction) narrowed as a span against FromSingle.
        var patterns = Enumerable.Range(0, 65536).Select(b => new BFloat16((ushort)b)).ToArray();
        var wide = new float[patterns.Length];
        BFloat16.Widen(patterns, wide);
        for (int i = 0; i < patterns.Length; i++) Assert.Equal(BitConverter.SingleToUInt32Bits(patterns[i].ToSingle()), BitConverter.SingleToUInt32Bits(wide[i]));
        var nudged = wide.Select((w, i) => BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(w) + (uint)(i % 3 == 0 ? 0x8000 : i % 3 == 1 ? 0x7FFF : 0x8001))).ToArray();
        var narrow = new BFloat16[nudged.Length];
        BFloat16.Narrow(nudged.AsSpan(0, nudged.Length - 3), narrow);     // a length no vector width divides: the scalar tail runs too
        for (int i = 0; i < nudged.Length - 3; i++) Assert.Equal(BFloat16.FromSingle(nudged[i]).Bits, narrow[i].Bits);
    }
}
