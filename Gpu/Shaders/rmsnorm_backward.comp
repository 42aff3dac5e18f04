// rmsnorm_backward.comp: the gradients of rmsnorm.comp, two passes chosen by PASS. Mirrors
// ReferenceBackend.RmsNormBackward, which differentiates y[n, c] = x[n, c] · r[n] · w[c] with
// r = (mean_c x² + eps)^(−1/2):
//   PASS 0, one workgroup per row n:
//     dx[n, c] = r · w[c] · dy[n, c] − r³ · x[n, c] / C · Σ_j dy[n, j] · w[j] · x[n, j]
//   PASS 1, one invocation per column c (reads of row n coalesce across invocations):
//     dweight[c] = Σ_n dy[n, c] · x[n, c] · r[n]          (written, not accumulated)
// In the bf16 variant dy, x, weight, dx and dweight are bf16 words; rstd stays float32
// (Tensor.StatisticsDType), as rmsnorm.comp writes it.
#version 450
#include "bf16.glsl"   // FLOAT_STORAGE, load_float / store_float
#include "row_reduce.glsl"
layout(constant_id = 1) const uint PASS = 0;
layout(binding = 0) readonly buffer DY { FLOAT_STORAGE dy[]; };
layout(binding = 1) readonly buffer X { FLOAT_STORAGE x[]; };
layout(binding = 2) readonly buffer Weight { FLOAT_STORAGE weight[]; };
layout(binding = 3) readonly buffer Rstd { float rstd[]; };
layout(binding = 4) writeonly buffer DX { FLOAT_STORAGE dx[]; };        // PASS 0
layout(binding = 5) writeonly buffer DWeight { FLOAT_STORAGE dweight[]; }; // PASS 1

layout(push_constant) uniform Push
{
    uint N, C;
    uint dy_offset, x_offset, weight_offset, rstd_offset, dx_offset, dweight_offset;
} p;

void main()
{
    uint lid = gl_LocalInvocationIndex;
    if (PASS == 0)
    {
        FOR_EACH_ROW(n, p.N)
        {
            uint dyr = p.dy_offset + n * p.C, xr = p.x_offset + n * p.C;
            float r = rstd[p.rstd_offset + n];
            float dot = 0;   // Σ_j dy[n, j] · w[j] · x[n, j]
            for (uint j = lid; j < p.C; j += WG) dot += load_float(dy[dyr + j]) * load_float(weight[p.weight_offset + j]) * load_float(x[xr + j]);
            dot = workgroup_sum(dot);
            for (uint c = lid; c < p.C; c += WG)
                dx[p.dx_offset + n * p.C + c] = store_float(r * load_float(weight[p.weight_offset + c]) * load_float(dy[dyr + c]) - r * r * r * load_float(x[xr + c]) / float(p.C) * dot);
        }
    }
    else
    {
        for (uint c = gl_GlobalInvocationID.x; c < p.C; c += gl_NumWorkGroups.x * WG)
        {
            float sum = 0;
            for (uint n = 0; n < p.N; n++)
                sum += load_float(dy[p.dy_offset + n * p.C + c]) * load_float(x[p.x_offset + n * p.C + c]) * rstd[p.rstd_offset + n];
            dweight[p.dweight_offset + c] = store_float(sum);
        }
    }
}
