// copy.comp: y = x elementwise, both strided, converting dtype. Mirrors ReferenceBackend.Copy.
// Slot 0 is x, slot 1 is y (its strides), so a copy into a narrowed or transposed view works.
// The bf16 variant is the cast: x and y may each be bf16 or a 32-bit dtype (float32, int32), so it
// binds each buffer twice, as 32-bit and as 16-bit words (aliased bindings), and the dtype constants
// pick the view. The plain variant declares no 16-bit view, so it runs on a device without 16-bit storage.
#version 450
#include "common.glsl"
#include "elementwise_push.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint DTYPE_X = DT_F32;
layout(constant_id = 2) const uint DTYPE_Y = DT_F32;
layout(binding = 0) readonly buffer X { uint x[]; };
layout(binding = 1) writeonly buffer Y { uint y[]; };
#ifdef STORAGE_BF16
layout(binding = 0) readonly buffer X16 { uint16_t x16[]; };
layout(binding = 1) writeonly buffer Y16 { uint16_t y16[]; };
uint load_x(uint at) { return DTYPE_X == DT_BF16 ? uint(x16[at]) : x[at]; }
void store_y(uint at, uint bits)
{
    if (DTYPE_Y == DT_BF16) y16[at] = uint16_t(bits);
    else y[at] = bits;
}
#else
uint load_x(uint at) { return x[at]; }
void store_y(uint at, uint bits) { y[at] = bits; }
#endif

void main()
{
    FOR_EACH_ELEMENT(i, p.numel)
    {
        uint bits = load_x(operand_offset(0, i));
        // Same dtype: move the bits (exact for every int32 and NaN payload); else convert.
        store_y(operand_offset(1, i), DTYPE_X == DTYPE_Y ? bits : from_float(to_float(bits, DTYPE_X), DTYPE_Y));
    }
}
