// rope.comp: rotate-half rotary position embedding on x: (B, T, NH, HS), x and y contiguous.
// Mirrors ReferenceBackend.Rope (Su et al. 2021, eq. 34; HF Llama / DeepSeek layout: dimension i
// pairs with i + HS/2). One invocation per (head row, pair i), position = position_offset + t:
//   c = table[position][i] = cos(position·freq_i),  s = table[position][HS/2 + i] = sin(...)
//   (negated when INVERSE), freq_i = theta^(−2i/HS)
//   y[i] = x[i]·c − x[i+h]·s,   y[i+h] = x[i+h]·c + x[i]·s
// The table is computed on the host in double (VulkanBackend.Rope.cs), so no angle is formed here.
#version 450
#include "common.glsl"   // with bf16.glsl: FLOAT_STORAGE is bf16 words for x and y in the bf16 variant (the table stays float32)
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint INVERSE = 0;
layout(binding = 0) readonly buffer X { FLOAT_STORAGE x[]; };
layout(binding = 1) readonly buffer Table { float table[]; };
layout(binding = 2) writeonly buffer Y { FLOAT_STORAGE y[]; };

layout(push_constant) uniform Push { uint pairs, T, NH, HS, position_offset, x_offset, y_offset; } p;

void main()
{
    uint h = p.HS / 2;
    FOR_EACH_ELEMENT(e, p.pairs)
    {
        uint i = e % h, head = e / h;              // head = (b·T + t)·NH + nh
        uint t = (head / p.NH) % p.T;
        uint row = (p.position_offset + t) * p.HS;
        float c = table[row + i], s = INVERSE != 0 ? -table[row + h + i] : table[row + h + i];
        uint xr = p.x_offset + head * p.HS, yr = p.y_offset + head * p.HS;
        float first = load_float(x[xr + i]), second = load_float(x[xr + i + h]);
        y[yr + i] = store_float(first * c - second * s);
        y[yr + i + h] = store_float(second * c + first * s);
    }
}
