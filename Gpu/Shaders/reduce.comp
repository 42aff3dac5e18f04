// reduce.comp: y[row] = op over x[row, j] along one axis (sum, max, min), and argmax (index of the
// largest, ties to the lowest). Mirrors ReferenceBackend.Reduce / ArgMax: "row" is every
// coordinate except the axis, in row-major order, which is exactly y's keepdim layout.
// Long rows: one workgroup per row; each invocation folds columns lid, lid + WG, ... and
// row_reduce.glsl combines them. Short rows (SHORT_ROWS = 1, the host picks it for a few columns,
// e.g. the K expert choices of each token or a broadcast axis of length 2): one invocation per row,
// folding it in column order — a workgroup per 4-column row would leave 252 of 256 invocations
// idle and pay the barrier tree for nothing. Float accumulation: int32 input is exact up to 2^24.
#version 450
#include "common.glsl"
#include "row_reduce.glsl"
layout(constant_id = 1) const uint OP = 0;        // REDUCE_SUM, REDUCE_MAX, REDUCE_MIN, or ARGMAX
layout(constant_id = 2) const uint DTYPE = DT_F32;
layout(constant_id = 3) const uint SHORT_ROWS = 0;   // 1: one invocation per row
#define ARGMAX REDUCE_COUNT                           // the op code after ReduceOp's (VulkanBackend.Reduce.cs)
// The bf16 variant: x and y bf16 words (sum, max, min); a bf16 argmax is widened by the host (its y is int32).
layout(binding = 0) readonly buffer X { WORD_STORAGE x[]; };
layout(binding = 1) writeonly buffer Y { WORD_STORAGE y[]; };

layout(push_constant) uniform Push
{
    uint rows, columns, rank;
    int shape[MAX_RANK];      // the non-reduced axes, coalesced
    int stride[MAX_RANK];     // x's strides over them
    uint axis_stride;         // x's stride along the reduced axis
    uint x_offset, y_offset;
} p;

// The short-row path: row `row` folded by this invocation alone, in column order.
void reduce_row_alone(uint row)
{
    uint base = p.x_offset + strided_offset(row, p.rank, p.shape, p.stride);
    if (OP == ARGMAX)
    {
        float best = 0;
        uint best_index = 0xFFFFFFFFu;
        for (uint j = 0; j < p.columns; j++)
        {
            float v = to_float(load_word(x[base + j * p.axis_stride]), DTYPE);
            if (best_index == 0xFFFFFFFFu || v > best) { best = v; best_index = j; }   // ties keep the lower index
        }
        y[p.y_offset + row] = store_word(best_index);
        return;
    }
    float acc = OP == REDUCE_SUM ? 0 : OP == REDUCE_MAX ? -1.0 / 0.0 : 1.0 / 0.0;
    for (uint j = 0; j < p.columns; j++)
        acc = combine(OP, acc, to_float(load_word(x[base + j * p.axis_stride]), DTYPE));
    y[p.y_offset + row] = store_word(from_float(acc, DTYPE));
}

void main()
{
    if (SHORT_ROWS == 1)
    {
        FOR_EACH_ELEMENT(row, p.rows) reduce_row_alone(row);
        return;
    }
    uint lid = gl_LocalInvocationIndex;
    FOR_EACH_ROW(row, p.rows)
    {
        uint base = p.x_offset + strided_offset(row, p.rank, p.shape, p.stride);
        if (OP == ARGMAX)
        {
            float best = 0;
            uint best_index = 0xFFFFFFFFu;
            for (uint j = lid; j < p.columns; j += WG)
            {
                float v = to_float(load_word(x[base + j * p.axis_stride]), DTYPE);
                if (best_index == 0xFFFFFFFFu || v > best) { best = v; best_index = j; }
            }
            workgroup_argmax(best, best_index);
            if (lid == 0) y[p.y_offset + row] = store_word(best_index);
        }
        else
        {
            float acc = OP == REDUCE_SUM ? 0 : OP == REDUCE_MAX ? -1.0 / 0.0 : 1.0 / 0.0;
            for (uint j = lid; j < p.columns; j += WG)
                acc = combine(OP, acc, to_float(load_word(x[base + j * p.axis_stride]), DTYPE));
            acc = workgroup_reduce(OP, acc);
            if (lid == 0) y[p.y_offset + row] = store_word(from_float(acc, DTYPE));
        }
    }
}
