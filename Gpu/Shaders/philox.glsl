// philox.glsl: Philox4x32-10 (Salmon et al., SC 2011), line for line the reference's
// Tensors/Random/Philox.cs Block(): ten rounds of 32×32→64-bit multiplies (umulExtended) under a
// key bumped by the Weyl constants. Same counter and key, same four words, on every device.
#ifndef PHILOX_GLSL
#define PHILOX_GLSL

const uint M0 = 0xD2511F53u, M1 = 0xCD9E8D57u;   // round multipliers
const uint W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;   // key increments (golden ratio, sqrt(3) - 1)

uvec4 philox4x32_10(uvec4 c, uvec2 k)
{
    for (int round = 0; round < 10; round++)
    {
        if (round > 0) { k.x += W0; k.y += W1; }
        uint hi0, lo0, hi1, lo1;
        umulExtended(M0, c.x, hi0, lo0);
        umulExtended(M1, c.z, hi1, lo1);
        c = uvec4(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    }
    return c;
}
#endif
