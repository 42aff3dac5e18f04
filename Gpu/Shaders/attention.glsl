// attention.glsl: what the three fused-attention shaders share (attention_forward.comp,
// attention_backward_dq.comp, attention_backward_dkv.comp; VulkanBackend.Attention.cs). Mirrors
// ReferenceBackend.Attention / CpuBackend.Attention: q (B, T, NH, HS), k and v (B, TK, NH, HS) read
// through their own strides (no head-transposing copy), query t at position TK − T + t, scale 1/√HS;
// out, dO, dq (B, T, NH, HS), dk, dv (B, TK, NH, HS) dense; lse and D (B, NH, T) dense.
// The grid: y = b·NH + h, x = a tile of queries (forward, dq) or of keys (dk, dv).
// Not here: a head size above MAX_HS (each invocation keeps whole head rows in registers), and no
// infinities: the running max starts at −FLT_MAX, so exp(m − m') is 0 on the first tile without an inf.
#ifndef ATTENTION_GLSL
#define ATTENTION_GLSL

#define MAX_HS 128
#define LOWEST_FLOAT -3.402823466e38

// Keys (forward, dq) or queries (dk, dv) staged in shared memory per step: 2 tiles of TILE · MAX_HS floats = 16 KiB.
#define TILE 16

layout(push_constant) uniform Push
{
    uint B, T, NH, HS, TK;
    uint q_offset, q_sb, q_st, q_sh, q_sd;
    uint k_offset, k_sb, k_st, k_sh, k_sd;
    uint v_offset, v_sb, v_st, v_sh, v_sd;
    uint o_offset, lse_offset, do_offset, d_offset, g0_offset, g1_offset;   // g0, g1: the outputs (dq; dk, dv)
} p;

uint q_at(uint b, uint t, uint h, uint d) { return p.q_offset + b * p.q_sb + t * p.q_st + h * p.q_sh + d * p.q_sd; }
uint k_at(uint b, uint j, uint h, uint d) { return p.k_offset + b * p.k_sb + j * p.k_st + h * p.k_sh + d * p.k_sd; }
uint v_at(uint b, uint j, uint h, uint d) { return p.v_offset + b * p.v_sb + j * p.v_st + h * p.v_sh + d * p.v_sd; }

// Element 0 of row (b, t, h) in a dense (B, T, NH, HS) tensor, and of (b, j, h) in a dense (B, TK, NH, HS) one.
uint query_row(uint b, uint t, uint h) { return ((b * p.T + t) * p.NH + h) * p.HS; }
uint key_row(uint b, uint j, uint h) { return ((b * p.TK + j) * p.NH + h) * p.HS; }

// Index of (b, h, t) in a dense (B, NH, T) tensor (lse, D).
uint row_index(uint b, uint h, uint t) { return (b * p.NH + h) * p.T + t; }

#endif
