// grouped_matmul.comp: the MoE grouped GEMM, y[r] = x[r] · w[g] for the rows r of group g
// (offsets[g] <= r < offsets[g+1]), all groups in one dispatch. Workgroup y enumerates
// (group, row tile) pairs: each group needs ceil(rows_g / TM) tiles, so at most
// ceil(M / TM) + G tiles exist; a workgroup finds its pair by walking offsets (G is small) and
// the spare workgroups return at once. offsets rise from 0 to M, so every row of y is written (no
// fill before). Mirrors ReferenceBackend.GroupedMatMul.
// x: (M, P), w: (G, P, N), y: (M, N), IBackend's letters: M routed rows, P in, N out per expert.
#version 450
#include "bf16.glsl"   // first: the bf16 variant's extension
#include "gemm_tile.glsl"

layout(binding = 3) readonly buffer Offsets { int offsets[]; };

layout(push_constant) uniform Push
{
    uint rows, P, N, groups;
    uint x_offset, w_offset, y_offset, offsets_offset;
    uint x_row, x_col;              // strides of x over (M, P)
    uint w_group, w_row, w_col;     // strides of w over (G, P, N)
    uint y_row, y_col;              // strides of y over (M, N)
} p;

void main()
{
    uint tile = gl_WorkGroupID.y;
    for (uint g = 0; g < p.groups; g++)
    {
        uint first = uint(offsets[p.offsets_offset + g]), last = uint(offsets[p.offsets_offset + g + 1]);
        uint tiles = (last - first + TM - 1) / TM;
        if (tile >= tiles) { tile -= tiles; continue; }
        // Rows first + tile·TM .. of group g: a (last - first) × P slice of x against w[g].
        Operand a = Operand(p.x_offset + first * p.x_row, p.x_row, p.x_col);
        Operand b = Operand(p.w_offset + g * p.w_group, p.w_row, p.w_col);
        Operand c = Operand(p.y_offset + first * p.y_row, p.y_row, p.y_col);
        gemm_tile(a, b, c, last - first, p.N, 0, p.P, tile * TM, gl_WorkGroupID.x * TN);
        return;
    }
}
