// matmul.comp: c[b] = a[b] · b[b], (B, M, P) @ (B, P, N) -> (B, M, N), any strides (batch stride 0
// broadcasts). Workgroup (x, y, z) = (column tile, row tile, batch); the tile is gemm_tile.glsl.
// Mirrors ReferenceBackend.MatMul; fp32 accumulation in a different order, so results agree to
// rounding, not bit for bit.
#version 450
#include "bf16.glsl"   // first: the bf16 variant's extension
#include "gemm_tile.glsl"

layout(push_constant) uniform Push
{
    uint M, N, P, batches;
    uint a_offset, b_offset, c_offset;
    uint a_batch, a_row, a_col;     // strides of a over (B, M, P)
    uint b_batch, b_row, b_col;     // strides of b over (B, P, N)
    uint c_batch, c_row, c_col;     // strides of c over (B, M, N)
} p;

void main()
{
    for (uint batch = gl_WorkGroupID.z; batch < p.batches; batch += gl_NumWorkGroups.z)
    {
        Operand a = Operand(p.a_offset + batch * p.a_batch, p.a_row, p.a_col);
        Operand b = Operand(p.b_offset + batch * p.b_batch, p.b_row, p.b_col);
        Operand c = Operand(p.c_offset + batch * p.c_batch, p.c_row, p.c_col);
        gemm_tile(a, b, c, p.M, p.N, 0, p.P, gl_WorkGroupID.y * TM, gl_WorkGroupID.x * TN);
    }
}
