// rmsnorm.comp: RMSNorm forward over rows of C (Zhang & Sennrich 2019). Mirrors
// ReferenceBackend.RmsNormForward: rstd[n] = 1 / sqrt(mean_c x[n, c]² + eps);
// y[n, c] = x[n, c] · rstd[n] · weight[c]. One workgroup per row; x, weight, y, rstd contiguous.
// rstd is float32 in the bf16 variant too (Tensor.StatisticsDType).
#version 450
#include "bf16.glsl"   // FLOAT_STORAGE, load_float / store_float: float32, or bf16 in the bf16 variant (x, weight, y)
#include "row_reduce.glsl"
layout(binding = 0) readonly buffer X { FLOAT_STORAGE x[]; };
layout(binding = 1) readonly buffer Weight { FLOAT_STORAGE weight[]; };
layout(binding = 2) writeonly buffer Y { FLOAT_STORAGE y[]; };
layout(binding = 3) writeonly buffer Rstd { float rstd[]; };   // float32 in both variants: the statistic the backward reads

layout(push_constant) uniform Push { uint N, C, x_offset, weight_offset, y_offset, rstd_offset; float eps; } p;

void main()
{
    uint lid = gl_LocalInvocationIndex;
    FOR_EACH_ROW(n, p.N)
    {
        uint xr = p.x_offset + n * p.C, yr = p.y_offset + n * p.C;
        float sum_squares = 0;
        for (uint c = lid; c < p.C; c += WG) { float v = load_float(x[xr + c]); sum_squares += v * v; }
        sum_squares = workgroup_sum(sum_squares);
        float r = 1 / sqrt(sum_squares / float(p.C) + p.eps);
        if (lid == 0) rstd[p.rstd_offset + n] = r;
        for (uint c = lid; c < p.C; c += WG)
            y[yr + c] = store_float(load_float(x[xr + c]) * r * load_float(weight[p.weight_offset + c]));
    }
}
