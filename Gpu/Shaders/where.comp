// where.comp: y = condition != 0 ? a : b, all three strided, y contiguous. Mirrors ReferenceBackend.Where.
// The condition may be float32 or int32 (its own dtype); a, b and y share one dtype, so the
// chosen word is copied unchanged.
#version 450
#include "common.glsl"
#include "elementwise_push.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint DTYPE_CONDITION = DT_F32;
layout(binding = 0) readonly buffer C { uint condition[]; };
layout(binding = 1) readonly buffer A { uint a[]; };
layout(binding = 2) readonly buffer B { uint b[]; };
layout(binding = 3) writeonly buffer Y { uint y[]; };

void main()
{
    FOR_EACH_ELEMENT(i, p.numel)
    {
        bool take_a = to_float(condition[operand_offset(0, i)], DTYPE_CONDITION) != 0;
        y[p.offset[3] + i] = take_a ? a[operand_offset(1, i)] : b[operand_offset(2, i)];
    }
}
