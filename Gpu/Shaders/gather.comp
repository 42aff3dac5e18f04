// gather.comp: y[i] = x[i with its axis coordinate replaced by index[i]], for torch.gather and
// index_select alike (Mirrors ReferenceBackend.Gather and IndexSelect). The host passes x's
// strides with the axis stride zeroed plus the axis stride apart, and the index's strides over
// y's shape (IndexSelect's 1-D index gets stride 0 on every other axis), so one strided walk
// serves both. An index outside 0..size-1 reads 0 (the reference throws; a shader cannot).
#version 450
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(binding = 0) readonly buffer X { WORD_STORAGE x[]; };   // bf16 variant: x and y 16-bit words, the index int32
layout(binding = 1) readonly buffer Index { int index[]; };
layout(binding = 2) writeonly buffer Y { WORD_STORAGE y[]; };

layout(push_constant) uniform Push
{
    uint numel, rank;
    int shape[MAX_RANK];
    uint x_offset, index_offset, y_offset;
    int x_stride[MAX_RANK];       // x's strides over y's shape, 0 along the gathered axis
    int index_stride[MAX_RANK];
    uint axis_stride, axis_size;  // x's stride and size along the gathered axis
} p;

void main()
{
    FOR_EACH_ELEMENT(i, p.numel)
    {
        int k = index[p.index_offset + strided_offset(i, p.rank, p.shape, p.index_stride)];
        bool inside = k >= 0 && uint(k) < p.axis_size;
        // Chosen as 32 bits: a select on 16-bit values would need the int16 arithmetic capability.
        y[p.y_offset + i] = store_word(inside ? load_word(x[p.x_offset + strided_offset(i, p.rank, p.shape, p.x_stride) + uint(k) * p.axis_stride]) : 0u);
    }
}
