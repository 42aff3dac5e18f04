// softmax.comp: y[row] = softmax(x[row]) or log_softmax over the last axis, x and y contiguous
// rows of C. Mirrors ReferenceBackend.Softmax: m = max_j x, s = Σ_j exp(x − m),
// y = exp(x − m) / s, or x − m − log s. One workgroup per row, three passes over the row.
#version 450
#include "bf16.glsl"   // FLOAT_STORAGE, load_float / store_float: float32, or bf16 in the bf16 variant
#include "row_reduce.glsl"
layout(constant_id = 1) const uint LOG = 0;
layout(binding = 0) readonly buffer X { FLOAT_STORAGE x[]; };
layout(binding = 1) writeonly buffer Y { FLOAT_STORAGE y[]; };

layout(push_constant) uniform Push { uint rows, C, x_offset, y_offset; } p;

void main()
{
    uint lid = gl_LocalInvocationIndex;
    FOR_EACH_ROW(row, p.rows)
    {
        uint xr = p.x_offset + row * p.C, yr = p.y_offset + row * p.C;
        float m = -1.0 / 0.0;
        for (uint c = lid; c < p.C; c += WG) m = max(m, load_float(x[xr + c]));
        m = workgroup_max(m);
        float s = 0;
        for (uint c = lid; c < p.C; c += WG) s += exp(load_float(x[xr + c]) - m);
        s = workgroup_sum(s);
        float log_s = log(s);
        for (uint c = lid; c < p.C; c += WG)
        {
            float v = load_float(x[xr + c]);
            y[yr + c] = store_float(LOG != 0 ? v - m - log_s : exp(v - m) / s);
        }
    }
}
