// BFloat16: the bfloat16 storage format as its 16 bits (1 sign, 8 exponent, 7 mantissa bits: the
// top half of an IEEE float32), and the conversions every backend and the checkpoint code share.
// .NET 10 has no System.Numerics.BFloat16 and no AVX-512 BF16 intrinsics, so this is our own.
//
// It is deliberately not an arithmetic type: a kernel reads bf16 by widening to float32 (exact: a
// shift), computes in float32, and rounds once when it stores (ReferenceBackend defines those
// rounding points). Narrowing rounds to nearest, ties to even, on the 16 dropped bits; a value past
// the largest bf16 by half an ulp or more becomes ±inf (IEEE 754 overflow under RNE); NaN stays a
// quiet NaN (rounding its bits could otherwise turn it into ±inf). Follows: PyTorch's float→bfloat16.
using System.Numerics;
using System.Runtime.CompilerServices;

namespace MoeFromScratch.Tensors;

public readonly struct BFloat16(ushort bits) : IEquatable<BFloat16>
{
    /// <summary>The raw bits, as stored (little-endian in memory, like the high half of a float32).</summary>
    public ushort Bits { get; } = bits;

    /// <summary>Exact: a bf16 is a float32 whose low 16 bits are zero.</summary>
    public float ToSingle() => BitConverter.UInt32BitsToSingle((uint)Bits << 16);

    public bool IsNaN => (Bits & 0x7FFF) > 0x7F80;

    /// <summary>value rounded to nearest bf16, ties to even.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BFloat16 FromSingle(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) return new((ushort)((bits >> 16) | 0x0040)); // NaN: set the quiet bit
        uint lsb = (bits >> 16) & 1;   // adding 0x7FFF + lsb carries into bit 16 past half way, and at half way only when odd
        return new((ushort)((bits + 0x7FFF + lsb) >> 16));
    }

    /// <summary>
    /// value rounded to nearest bf16, ties to even, in one rounding: rounding to float32 first (nearest)
    /// and then to bf16 could round twice (a value just above a bf16 midpoint landing on it). So the
    /// float32 step rounds to odd instead — truncate toward zero, set the last bit when inexact — which
    /// keeps "above / at / below the midpoint" intact because float32 has 16 more bits than bf16 (≥ 2
    /// suffice; Boldo and Melquiond, "When double rounding is odd", 2005).
    /// </summary>
    public static BFloat16 FromDouble(double value)
    {
        float nearest = (float)value;
        if (double.IsNaN(value) || nearest == value) return FromSingle(nearest);
        uint bits = BitConverter.SingleToUInt32Bits(nearest);
        if (Math.Abs((double)nearest) > Math.Abs(value)) bits--;   // toward zero: one ulp less magnitude (inf → MaxValue)
        return FromSingle(BitConverter.UInt32BitsToSingle(bits | 1));
    }

    public static explicit operator float(BFloat16 value) => value.ToSingle();

    public static explicit operator double(BFloat16 value) => value.ToSingle();

    public static explicit operator BFloat16(float value) => FromSingle(value);

    public static explicit operator BFloat16(double value) => FromDouble(value);

    /// <summary>destination[i] = (float)source[i]; Vector wide (a widening and a shift).</summary>
    public static void Widen(ReadOnlySpan<BFloat16> source, Span<float> destination)
    {
        if (destination.Length < source.Length) throw new ArgumentException("BFloat16.Widen: destination is shorter than source");
        var bits = System.Runtime.InteropServices.MemoryMarshal.Cast<BFloat16, ushort>(source);
        var wide = System.Runtime.InteropServices.MemoryMarshal.Cast<float, uint>(destination);
        int i = 0, width = Vector<ushort>.Count;
        for (; i <= bits.Length - width; i += width)
        {
            Vector.Widen(new Vector<ushort>(bits[i..]), out var low, out var high);
            (low << 16).CopyTo(wide[i..]);
            (high << 16).CopyTo(wide[(i + width / 2)..]);
        }
        for (; i < bits.Length; i++) wide[i] = (uint)bits[i] << 16;
    }

    /// <summary>destination[i] = FromSingle(source[i]); Vector wide, the same integer steps as FromSingle.</summary>
    public static void Narrow(ReadOnlySpan<float> source, Span<BFloat16> destination)
    {
        if (destination.Length < source.Length) throw new ArgumentException("BFloat16.Narrow: destination is shorter than source");
        var wide = System.Runtime.InteropServices.MemoryMarshal.Cast<float, uint>(source);
        var bits = System.Runtime.InteropServices.MemoryMarshal.Cast<BFloat16, ushort>(destination);
        int i = 0, width = Vector<uint>.Count;
        for (; i <= wide.Length - 2 * width; i += 2 * width)
        {
            var low = Round(new Vector<uint>(wide[i..]));
            var high = Round(new Vector<uint>(wide[(i + width)..]));
            Vector.Narrow(low, high).CopyTo(bits[i..]);
        }
        for (; i < wide.Length; i++) bits[i] = FromSingle(source[i]).Bits;
    }

    /// <summary>FromSingle on a vector of float32 bits, leaving the bf16 in the low half of each lane.</summary>
    private static Vector<uint> Round(Vector<uint> bits)
    {
        var rounded = (bits + new Vector<uint>(0x7FFF) + ((bits >> 16) & Vector<uint>.One)) >> 16;
        var isNaN = Vector.GreaterThan(bits & new Vector<uint>(0x7FFF_FFFF), new Vector<uint>(0x7F80_0000));
        return Vector.ConditionalSelect(isNaN, (bits >> 16) | new Vector<uint>(0x0040), rounded);
    }

    public bool Equals(BFloat16 other) => Bits == other.Bits;

    public override bool Equals(object? obj) => obj is BFloat16 other && Equals(other);

    public override int GetHashCode() => Bits;

    public override string ToString() => ToSingle().ToString();
}
