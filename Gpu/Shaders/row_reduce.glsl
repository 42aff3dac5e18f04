// row_reduce.glsl: a workgroup combining one value per invocation into one result that every
// invocation receives (sum, max, and argmax with ties to the lower index). A shared-memory tree:
// it does not use subgroup operations, so it is correct for any subgroup size (8 on lavapipe,
// 32 on NVIDIA, 32/64 on AMD). WG must be a power of two. Call from uniform control flow.
// Used by the row kernels (reduce, softmax, cross-entropy, rmsnorm, topk): one workgroup per row.
#ifndef ROW_REDUCE_GLSL
#define ROW_REDUCE_GLSL

layout(local_size_x_id = 0) in;
#define WG (gl_WorkGroupSize.x)
shared float reduce_value[1024];
shared uint reduce_index[1024];

#include "kernel_ops.glsl"   // REDUCE_SUM, REDUCE_MAX, REDUCE_MIN: generated from KernelOps.cs

// NaN wins max and min (Math.Max/Math.Min propagate it); GLSL's max/min leave NaN undefined.
float combine(uint op, float a, float b)
{
    if (op == REDUCE_SUM) return a + b;
    if (isnan(a) || isnan(b)) return a + b;
    return op == REDUCE_MAX ? max(a, b) : min(a, b);
}

float workgroup_reduce(uint op, float value)
{
    uint lid = gl_LocalInvocationIndex;
    reduce_value[lid] = value;
    barrier();
    for (uint half_ = WG / 2; half_ > 0; half_ /= 2)
    {
        if (lid < half_) reduce_value[lid] = combine(op, reduce_value[lid], reduce_value[lid + half_]);
        barrier();
    }
    float result = reduce_value[0];
    barrier();   // the next call may overwrite reduce_value[0]
    return result;
}

float workgroup_sum(float value) { return workgroup_reduce(REDUCE_SUM, value); }
float workgroup_max(float value) { return workgroup_reduce(REDUCE_MAX, value); }

// (value, index) pairs: larger value wins, equal values keep the lower index. An invocation with
// nothing to offer passes index 0xFFFFFFFF. The winner lands in both inout arguments.
bool beats(float v, uint i, float w, uint j) { return j == 0xFFFFFFFFu || (i != 0xFFFFFFFFu && (v > w || (v == w && i < j))); }

void workgroup_argmax(inout float value, inout uint index)
{
    uint lid = gl_LocalInvocationIndex;
    reduce_value[lid] = value;
    reduce_index[lid] = index;
    barrier();
    for (uint half_ = WG / 2; half_ > 0; half_ /= 2)
    {
        if (lid < half_ && beats(reduce_value[lid + half_], reduce_index[lid + half_], reduce_value[lid], reduce_index[lid]))
        {
            reduce_value[lid] = reduce_value[lid + half_];
            reduce_index[lid] = reduce_index[lid + half_];
        }
        barrier();
    }
    value = reduce_value[0];
    index = reduce_index[0];
    barrier();
}

// Rows are walked by workgroups in a grid-stride loop, so any row count fits in one dispatch.
#define FOR_EACH_ROW(row, rows) for (uint row = gl_WorkGroupID.x; row < (rows); row += gl_NumWorkGroups.x)
#endif
