// where.comp: y = condition != 0 ? a : b, all three strided, y contiguous. Mirrors ReferenceBackend.Where.
// The condition may be float32 or int32 (its own dtype); a, b and y share one dtype, so the
// chosen word is copied unchanged.
#version 450
#include "common.glsl"
#include "elementwise_push.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint DTYPE_CONDITION = DT_F32;
// The bf16 variant: all four are bf16 words (the host widens a mix: VulkanBackend.Bf16.cs).
layout(binding = 0) readonly buffer C { WORD_STORAGE condition[]; };
layout(binding = 1) readonly buffer A { WORD_STORAGE a[]; };
layout(binding = 2) readonly buffer B { WORD_STORAGE b[]; };
layout(binding = 3) writeonly buffer Y { WORD_STORAGE y[]; };

void main()
{
    FOR_EACH_ELEMENT(i, p.numel)
    {
        bool take_a = to_float(load_word(condition[operand_offset(0, i)]), DTYPE_CONDITION) != 0;
        // Chosen as 32 bits: a select on 16-bit values would need the int16 arithmetic capability.
        y[p.offset[3] + i] = store_word(take_a ? load_word(a[operand_offset(1, i)]) : load_word(b[operand_offset(2, i)]));
    }
}
