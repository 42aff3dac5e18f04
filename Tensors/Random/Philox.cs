// Philox4x32-10: the counter-based random generator of Salmon et al., "Parallel Random Numbers:
// As Easy as 1, 2, 3" (SC 2011), as in the Random123 library. Ten rounds of a 32×32→64-bit
// multiply mixing four 32-bit counter words under a two-word key; no state, so element i of any
// tensor can be computed on its own, in any order, on any device, and always gives the same bits.
// It is deliberately not a stream generator (no Next()), and not cryptographic.
//
// The exact mapping every backend follows (the Vulkan shader ports these lines one for one):
//   counter = (i_lo, i_hi, 0, 0)   i = the element's row-major index in the output tensor (64 bits)
//   key     = (s_lo, s_hi)         s = the 64-bit seed
//   (x0, x1, x2, x3) = Philox4x32-10(counter, key)
//   uniform: u = (x0 >> 8) · 2⁻²⁴                 24 bits, in [0, 1), exact in float32
//            y = low + (high − low) · u          (then rounded to the tensor's dtype)
//   normal:  u1 = ((x0 >> 8) + 1) · 2⁻²⁴          in (0, 1], so log(u1) is finite
//            u2 = (x1 >> 8) · 2⁻²⁴                in [0, 1)
//            z  = sqrt(−2 ln u1) · cos(2π u2)    (Box-Muller, cosine branch only)
//            y  = mean + std · z
//   x2 and x3 are unused. Float64 tensors get the same 24-bit uniforms as float32 ones (a known
//   limit, chosen so both dtypes agree and a float-only GPU can match); the arithmetic above is done
//   in double on the CPU, so a float32 device may differ from it in the last bit or two.
namespace MoeFromScratch.Tensors.Random;

public static class Philox
{
    // Round multipliers and key increments (the Weyl sequence: golden ratio and sqrt(3) - 1).
    private const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57;
    private const uint W0 = 0x9E3779B9, W1 = 0xBB67AE85;
    private const int Rounds = 10;
    private const double TwoToMinus24 = 1.0 / (1 << 24);

    /// <summary>Philox4x32-10 of one counter block under key (k0, k1): four 32-bit random words.</summary>
    public static (uint X0, uint X1, uint X2, uint X3) Block(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        for (int round = 0; round < Rounds; round++)
        {
            if (round > 0) { k0 += W0; k1 += W1; }
            ulong product0 = (ulong)M0 * c0, product1 = (ulong)M1 * c2;
            uint hi0 = (uint)(product0 >> 32), lo0 = (uint)product0;
            uint hi1 = (uint)(product1 >> 32), lo1 = (uint)product1;
            (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0);
        }
        return (c0, c1, c2, c3);
    }

    /// <summary>The four words for element i under seed: counter (i_lo, i_hi, 0, 0), key (s_lo, s_hi).</summary>
    public static (uint X0, uint X1, uint X2, uint X3) ForElement(ulong seed, long i) =>
        Block((uint)i, (uint)((ulong)i >> 32), 0, 0, (uint)seed, (uint)(seed >> 32));

    /// <summary>Element i's uniform number in [0, 1): the top 24 bits of word x0.</summary>
    public static double Uniform(ulong seed, long i) => (ForElement(seed, i).X0 >> 8) * TwoToMinus24;

    /// <summary>Element i's standard normal number: Box-Muller on words x0 and x1.</summary>
    public static double Normal(ulong seed, long i)
    {
        var (x0, x1, _, _) = ForElement(seed, i);
        double u1 = ((x0 >> 8) + 1) * TwoToMinus24;
        double u2 = (x1 >> 8) * TwoToMinus24;
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
