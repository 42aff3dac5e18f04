// rmsnorm.comp: RMSNorm forward over rows of C (Zhang & Sennrich 2019). Mirrors
// ReferenceBackend.RmsNormForward: rstd[n] = 1 / sqrt(mean_c x[n, c]² + eps);
// y[n, c] = x[n, c] · rstd[n] · weight[c]. One workgroup per row; x, weight, y, rstd contiguous.
#version 450
#include "row_reduce.glsl"
layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 1) readonly buffer Weight { float weight[]; };
layout(binding = 2) writeonly buffer Y { float y[]; };
layout(binding = 3) writeonly buffer Rstd { float rstd[]; };

layout(push_constant) uniform Push { uint N, C, x_offset, weight_offset, y_offset, rstd_offset; float eps; } p;

void main()
{
    uint lid = gl_LocalInvocationIndex;
    FOR_EACH_ROW(n, p.N)
    {
        uint xr = p.x_offset + n * p.C, yr = p.y_offset + n * p.C;
        float sum_squares = 0;
        for (uint c = lid; c < p.C; c += WG) sum_squares += x[xr + c] * x[xr + c];
        sum_squares = workgroup_sum(sum_squares);
        float r = 1 / sqrt(sum_squares / float(p.C) + p.eps);
        if (lid == 0) rstd[p.rstd_offset + n] = r;
        for (uint c = lid; c < p.C; c += WG)
            y[yr + c] = x[xr + c] * r * weight[p.weight_offset + c];
    }
}
