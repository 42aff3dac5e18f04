// random.comp: counter-based random numbers, y[i] depends only on (seed, i). The mapping is the
// reference's (Tensors/Random/Philox.cs header): counter (i_lo, i_hi, 0, 0), key (seed_lo, seed_hi);
//   uniform: u = (x0 >> 8)·2⁻²⁴, y = low + (high − low)·u        (bit-exact for [0, 1))
//   normal:  u1 = ((x0 >> 8) + 1)·2⁻²⁴, u2 = (x1 >> 8)·2⁻²⁴, y = mean + std·sqrt(−2 ln u1)·cos(2π u2)
// The reference computes in double; here float, so general ranges and normals agree to a few ulp.
#version 450
#include "common.glsl"
#include "philox.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint NORMAL = 0;
layout(binding = 0) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Push
{
    uint numel, y_offset;
    uint seed_lo, seed_hi;
    uint first_lo, first_hi;   // 64-bit index of element 0 (0 unless the host splits the tensor)
    float a, b;                // uniform: low, high − low; normal: mean, std
} p;

const float TWO_TO_MINUS_24 = 1.0 / 16777216.0;
const float PI = 3.14159265358979;

void main()
{
    FOR_EACH_ELEMENT(i, p.numel)
    {
        uint lo = p.first_lo + i, hi = p.first_hi + (lo < i ? 1u : 0u);
        uvec4 x = philox4x32_10(uvec4(lo, hi, 0, 0), uvec2(p.seed_lo, p.seed_hi));
        if (NORMAL == 0)
        {
            float u = float(x.x >> 8) * TWO_TO_MINUS_24;
            y[p.y_offset + i] = p.a + p.b * u;
        }
        else
        {
            float u1 = float((x.x >> 8) + 1) * TWO_TO_MINUS_24;
            float u2 = float(x.y >> 8) * TWO_TO_MINUS_24;
            // cos(2π u2) = −cos(2π (u2 − ½)): keeps the argument in [−π, π), where GPU cos is accurate.
            float z = sqrt(-2 * log(u1)) * -cos(2 * PI * (u2 - 0.5));
            y[p.y_offset + i] = p.a + p.b * z;
        }
    }
}
