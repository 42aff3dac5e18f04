// attention_forward.comp: fused causal attention, FlashAttention-2's forward (Dao 2023, Algorithm 1).
// Mirrors CpuBackend.AttentionForwardBody (ReferenceBackend.AttentionForward is the definition): one
// workgroup per (b, h, tile of QUERIES rows), one invocation per query row t at position TK − T + t.
// Key tiles of TILE keys (and their values) are staged in shared memory by the whole group; each row
// folds its scores into a running max m, sum l and unnormalised output acc (online softmax):
//   m' = max(m, max_j s_j);  acc = acc·e^(m − m') + Σ_j e^(s_j − m') v_j;  l = l·e^(m − m') + Σ_j e^(s_j − m')
// then out = acc / l and lse = m + log l.
#version 450
#include "bf16.glsl"   // FLOAT_STORAGE: q, k, v, o, dO, dq, dk, dv float32, or bf16 words in the bf16 variant (lse, D float32)
#include "attention.glsl"
layout(local_size_x_id = 0) in;
layout(binding = 0) readonly buffer Q { FLOAT_STORAGE q[]; };
layout(binding = 1) readonly buffer K { FLOAT_STORAGE k[]; };
layout(binding = 2) readonly buffer V { FLOAT_STORAGE v[]; };
layout(binding = 3) writeonly buffer Out { FLOAT_STORAGE o[]; };
layout(binding = 4) writeonly buffer Lse { float lse[]; };

shared float k_tile[TILE * MAX_HS], v_tile[TILE * MAX_HS];

void main()
{
    uint lid = gl_LocalInvocationIndex, QUERIES = gl_WorkGroupSize.x;
    uint b = gl_WorkGroupID.y / p.NH, h = gl_WorkGroupID.y % p.NH;
    uint t0 = gl_WorkGroupID.x * QUERIES, t = t0 + lid, offset = p.TK - p.T;
    bool has_row = t < p.T;
    uint position = offset + t, last_key = offset + min(p.T, t0 + QUERIES) - 1;
    float scale = 1.0 / sqrt(float(p.HS));

    float q_row[MAX_HS], acc[MAX_HS];
    for (uint d = 0; d < p.HS; d++)
    {
        q_row[d] = has_row ? load_float(q[q_at(b, t, h, d)]) : 0;
        acc[d] = 0;
    }
    float m = LOWEST_FLOAT, l = 0;
    for (uint j0 = 0; j0 <= last_key; j0 += TILE)   // the same bound for the whole group: barriers stay uniform
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
        uint end = min(keys, position - j0 + 1);   // keys j0..j0+end this row sees
        float s[TILE];
        float tile_max = m;
        for (uint jj = 0; jj < end; jj++)
        {
            float dot_qk = 0;
            for (uint d = 0; d < p.HS; d++) dot_qk += q_row[d] * k_tile[jj * MAX_HS + d];
            s[jj] = dot_qk * scale;
            tile_max = max(tile_max, s[jj]);
        }
        float correction = exp(m - tile_max);
        l *= correction;
        for (uint d = 0; d < p.HS; d++) acc[d] *= correction;
        for (uint jj = 0; jj < end; jj++)
        {
            float pr = exp(s[jj] - tile_max);
            l += pr;
            for (uint d = 0; d < p.HS; d++) acc[d] += pr * v_tile[jj * MAX_HS + d];
        }
        m = tile_max;
    }
    if (!has_row) return;
    uint out_row = p.o_offset + query_row(b, t, h);
    for (uint d = 0; d < p.HS; d++) o[out_row + d] = store_float(acc[d] / l);
    lse[p.lse_offset + row_index(b, h, t)] = m + log(l);
}
