// attention_backward_dq.comp: pass 1 of the fused attention backward. Mirrors
// CpuBackend.AttentionQueryGradBody: one workgroup per (b, h, tile of QUERIES rows), one invocation
// per query row t; key and value tiles staged in shared memory as in attention_forward.comp. P is
// recomputed from q, k and the forward's lse, never stored:
//   D_t = dO_t · O_t (written for pass 2),  P_j = exp(s_j − lse_t),  dS_j = P_j (dO_t · v_j − D_t)
//   dq_t = Σ_j dS_j k_j / √HS
#version 450
#include "bf16.glsl"   // FLOAT_STORAGE: q, k, v, o, dO, dq, dk, dv float32, or bf16 words in the bf16 variant (lse, D float32)
#include "attention.glsl"
layout(local_size_x_id = 0) in;
layout(binding = 0) readonly buffer Q { FLOAT_STORAGE q[]; };
layout(binding = 1) readonly buffer K { FLOAT_STORAGE k[]; };
layout(binding = 2) readonly buffer V { FLOAT_STORAGE v[]; };
layout(binding = 3) readonly buffer O { FLOAT_STORAGE o[]; };
layout(binding = 4) readonly buffer Lse { float lse[]; };
layout(binding = 5) readonly buffer DO { FLOAT_STORAGE dout[]; };
layout(binding = 6) writeonly buffer D { float rowd[]; };
layout(binding = 7) writeonly buffer DQ { FLOAT_STORAGE dq[]; };

shared float k_tile[TILE * MAX_HS], v_tile[TILE * MAX_HS];

void main()
{
    uint lid = gl_LocalInvocationIndex, QUERIES = gl_WorkGroupSize.x;
    uint b = gl_WorkGroupID.y / p.NH, h = gl_WorkGroupID.y % p.NH;
    uint t0 = gl_WorkGroupID.x * QUERIES, t = t0 + lid, offset = p.TK - p.T;
    bool has_row = t < p.T;
    uint position = offset + t, last_key = offset + min(p.T, t0 + QUERIES) - 1;
    float scale = 1.0 / sqrt(float(p.HS));

    float q_row[MAX_HS], do_row[MAX_HS], dq_row[MAX_HS];
    float D = 0, row_lse = 0;
    uint row = query_row(b, min(t, p.T - 1), h);
    for (uint d = 0; d < p.HS; d++)
    {
        q_row[d] = has_row ? load_float(q[q_at(b, t, h, d)]) : 0;
        do_row[d] = has_row ? load_float(dout[p.do_offset + row + d]) : 0;
        D += has_row ? do_row[d] * load_float(o[p.o_offset + row + d]) : 0;
        dq_row[d] = 0;
    }
    if (has_row)
    {
        rowd[p.d_offset + row_index(b, h, t)] = D;
        row_lse = lse[p.lse_offset + row_index(b, h, t)];
    }
    for (uint j0 = 0; j0 <= last_key; j0 += TILE)
    {
        uint keys = min(TILE, p.TK - j0);
        barrier();
        for (uint e = lid; e < keys * p.HS; e += QUERIES)
        {
            uint jj = e / p.HS, d = e % p.HS;
            k_tile[jj * MAX_HS + d] = load_float(k[k_at(b, j0 + jj, h, d)]);
            v_tile[jj * MAX_HS + d] = load_float(v[v_at(b, j0 + jj, h, d)]);
        }
        barrier();
        if (!has_row || j0 > position) continue;
        uint end = min(keys, position - j0 + 1);
        for (uint jj = 0; jj < end; jj++)
        {
            float dot_qk = 0, dP = 0;
            for (uint d = 0; d < p.HS; d++)
            {
                dot_qk += q_row[d] * k_tile[jj * MAX_HS + d];
                dP += do_row[d] * v_tile[jj * MAX_HS + d];
            }
            float P = exp(dot_qk * scale - row_lse), dS = P * (dP - D);
            for (uint d = 0; d < p.HS; d++) dq_row[d] += dS * scale * k_tile[jj * MAX_HS + d];
        }
    }
    if (!has_row) return;
    for (uint d = 0; d < p.HS; d++) dq[p.g0_offset + row + d] = store_float(dq_row[d]);
}
