// copy.comp: y = x elementwise, both strided, converting dtype. Mirrors ReferenceBackend.Copy.
// Slot 0 is x, slot 1 is y (its strides), so a copy into a narrowed or transposed view works.
#version 450
#include "common.glsl"
#include "elementwise_push.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint DTYPE_X = DT_F32;
layout(constant_id = 2) const uint DTYPE_Y = DT_F32;
layout(binding = 0) readonly buffer X { uint x[]; };
layout(binding = 1) writeonly buffer Y { uint y[]; };

void main()
{
    FOR_EACH_ELEMENT(i, p.numel)
    {
        uint bits = x[operand_offset(0, i)];
        // Same dtype: move the bits (exact for every int32 and NaN payload); else convert.
        y[operand_offset(1, i)] = DTYPE_X == DTYPE_Y ? bits : from_float(to_float(bits, DTYPE_X), DTYPE_Y);
    }
}
