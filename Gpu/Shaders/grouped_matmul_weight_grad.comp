// grouped_matmul_weight_grad.comp: dw[g] = x[rows of g]ᵀ · dy[rows of g], (P, N) per group, all
// groups in one dispatch (workgroup z = g). The reduction runs over the group's rows, so the tile
// sees A = xᵀ (strides swapped) and B = dy, both starting at row offsets[g]. A group without rows
// writes zeros. Mirrors ReferenceBackend.GroupedMatMulWeightGrad.
#version 450
#include "bf16.glsl"   // first: the bf16 variant's extension
#include "gemm_tile.glsl"

layout(binding = 3) readonly buffer Offsets { int offsets[]; };

layout(push_constant) uniform Push
{
    uint P, N, groups, offsets_offset;
    uint x_offset, dy_offset, dw_offset;
    uint x_row, x_col;              // strides of x over (M, P)
    uint dy_row, dy_col;            // strides of dy over (M, N)
    uint dw_group, dw_row, dw_col;  // strides of dw over (G, P, N)
} p;

void main()
{
    uint g = gl_WorkGroupID.z;
    uint first = uint(offsets[p.offsets_offset + g]), last = uint(offsets[p.offsets_offset + g + 1]);
    Operand a = Operand(p.x_offset + first * p.x_row, p.x_col, p.x_row);     // xᵀ: (P, rows)
    Operand b = Operand(p.dy_offset + first * p.dy_row, p.dy_row, p.dy_col); // dy: (rows, N)
    Operand c = Operand(p.dw_offset + g * p.dw_group, p.dw_row, p.dw_col);
    gemm_tile(a, b, c, p.P, p.N, 0, last - first, gl_WorkGroupID.y * TM, gl_WorkGroupID.x * TN);
}
