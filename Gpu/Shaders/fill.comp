// fill.comp: y[i] = value for every element of a (possibly strided) y. Mirrors ReferenceBackend.Fill.
#version 450
#include "common.glsl"
#include "elementwise_push.glsl"
layout(local_size_x_id = 0) in;
layout(binding = 0) writeonly buffer Y { WORD_STORAGE y[]; };   // bf16 variant: 16-bit words, value_bits the bf16 bits

void main()
{
    FOR_EACH_ELEMENT(i, p.numel)
        y[operand_offset(0, i)] = store_word(p.value_bits);
}
