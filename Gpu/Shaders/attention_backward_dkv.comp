// attention_backward_dkv.comp: pass 2 of the fused attention backward. Mirrors
// CpuBackend.AttentionKeyGradBody: one workgroup per (b, h, tile of KEYS keys), one invocation per key
// j, which keeps k_j, v_j, dk_j and dv_j in registers; tiles of TILE queries (q, dO, lse and pass 1's D)
// are staged in shared memory, from the first query that sees key j0 (t = j0 − (TK − T)) on:
//   P_tj = exp(q_t · k_j / √HS − lse_t),  dS_tj = P_tj (dO_t · v_j − D_t)
//   dv_j = Σ_t P_tj dO_t,  dk_j = Σ_t dS_tj q_t / √HS
// Every dk and dv element has one writer (no atomics), as on the CPU.
#version 450
#include "bf16.glsl"   // FLOAT_STORAGE: q, k, v, o, dO, dq, dk, dv float32, or bf16 words in the bf16 variant (lse, D float32)
#include "attention.glsl"
layout(local_size_x_id = 0) in;
layout(binding = 0) readonly buffer Q { FLOAT_STORAGE q[]; };
layout(binding = 1) readonly buffer K { FLOAT_STORAGE k[]; };
layout(binding = 2) readonly buffer V { FLOAT_STORAGE v[]; };
layout(binding = 3) readonly buffer Lse { float lse[]; };
layout(binding = 4) readonly buffer DO { FLOAT_STORAGE dout[]; };
layout(binding = 5) readonly buffer D { float rowd[]; };
layout(binding = 6) writeonly buffer DK { FLOAT_STORAGE dk[]; };
layout(binding = 7) writeonly buffer DV { FLOAT_STORAGE dv[]; };

shared float q_tile[TILE * MAX_HS], do_tile[TILE * MAX_HS], lse_tile[TILE], d_tile[TILE];

void main()
{
    uint lid = gl_LocalInvocationIndex, KEYS = gl_WorkGroupSize.x;
    uint b = gl_WorkGroupID.y / p.NH, h = gl_WorkGroupID.y % p.NH;
    uint j0 = gl_WorkGroupID.x * KEYS, j = j0 + lid, offset = p.TK - p.T;
    bool has_key = j < p.TK;
    float scale = 1.0 / sqrt(float(p.HS));

    float k_row[MAX_HS], v_row[MAX_HS], dk_row[MAX_HS], dv_row[MAX_HS];
    for (uint d = 0; d < p.HS; d++)
    {
        k_row[d] = has_key ? load_float(k[k_at(b, j, h, d)]) : 0;
        v_row[d] = has_key ? load_float(v[v_at(b, j, h, d)]) : 0;
        dk_row[d] = 0;
        dv_row[d] = 0;
    }
    for (uint t0 = j0 > offset ? j0 - offset : 0; t0 < p.T; t0 += TILE)   // the same bound for the whole group
    {
        uint rows = min(TILE, p.T - t0);
        barrier();
        for (uint e = lid; e < rows * p.HS; e += KEYS)
        {
            uint r = e / p.HS, d = e % p.HS;
            q_tile[r * MAX_HS + d] = load_float(q[q_at(b, t0 + r, h, d)]);
            do_tile[r * MAX_HS + d] = load_float(dout[p.do_offset + query_row(b, t0 + r, h) + d]);
        }
        for (uint r = lid; r < rows; r += KEYS)
        {
            lse_tile[r] = lse[p.lse_offset + row_index(b, h, t0 + r)];
            d_tile[r] = rowd[p.d_offset + row_index(b, h, t0 + r)];
        }
        barrier();
        if (!has_key) continue;
        for (uint r = 0; r < rows; r++)
        {
            if (offset + t0 + r < j) continue;   // query t0 + r does not see key j
            float dot_qk = 0, dP = 0;
            for (uint d = 0; d < p.HS; d++)
            {
                dot_qk += q_tile[r * MAX_HS + d] * k_row[d];
                dP += do_tile[r * MAX_HS + d] * v_row[d];
            }
            float P = exp(dot_qk * scale - lse_tile[r]), dS = P * (dP - d_tile[r]);
            for (uint d = 0; d < p.HS; d++)
            {
                dv_row[d] += P * do_tile[r * MAX_HS + d];
                dk_row[d] += dS * scale * q_tile[r * MAX_HS + d];
            }
        }
    }
    if (!has_key) return;
    uint row = key_row(b, j, h);
    for (uint d = 0; d < p.HS; d++)
    {
        dk[p.g0_offset + row + d] = store_float(dk_row[d]);
        dv[p.g1_offset + row + d] = store_float(dv_row[d]);
    }
}
