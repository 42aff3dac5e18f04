// rope.comp: rotate-half rotary position embedding on x: (B, T, NH, HS), x and y contiguous.
// Mirrors ReferenceBackend.Rope (Su et al. 2021, eq. 34; HF Llama / DeepSeek layout: dimension i
// pairs with i + HS/2). One invocation per (head row, pair i):
//   freq = theta^(−2i/HS), angle = (position_offset + t) · freq (negated when INVERSE)
//   y[i] = x[i]·cos − x[i+h]·sin,   y[i+h] = x[i+h]·cos + x[i]·sin
// Known limit: angles are float here (double in the reference): error grows with the position,
// about 1e-4 absolute at position 2000.
#version 450
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint INVERSE = 0;
layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 1) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Push { uint pairs, T, NH, HS, position_offset, x_offset, y_offset; float log2_theta; } p;

void main()
{
    uint h = p.HS / 2;
    FOR_EACH_ELEMENT(e, p.pairs)
    {
        uint i = e % h, head = e / h;              // head = (b·T + t)·NH + nh
        uint t = (head / p.NH) % p.T;
        float freq = exp2(-2.0 * float(i) / float(p.HS) * p.log2_theta);
        float angle = float(p.position_offset + t) * freq * (INVERSE != 0 ? -1.0 : 1.0);
        float c = cos(angle), s = sin(angle);
        uint xr = p.x_offset + head * p.HS, yr = p.y_offset + head * p.HS;
        float first = x[xr + i], second = x[xr + i + h];
        y[yr + i] = first * c - second * s;
        y[yr + i + h] = second * c + first * s;
    }
}
