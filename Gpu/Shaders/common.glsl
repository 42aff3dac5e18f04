// common.glsl: what every shader here shares. Tensors are bound as raw 32-bit words (uint) so
// one shader serves float32 and int32; a specialization constant names each operand's dtype and
// load/store convert. Strided addressing mirrors the reference's StridedIndex: a row-major linear
// index is split into coordinates over `shape`, and each operand finds its element through its own
// strides (0 on broadcast axes). Shapes are coalesced on the host, so rank <= MAX_RANK.
#ifndef COMMON_GLSL
#define COMMON_GLSL
#include "bf16.glsl"   // DT_BF16, bf16_bits / bf16_value, WORD_STORAGE / FLOAT_STORAGE of the bf16 variants

#define MAX_RANK 6
#define DT_F32 0
#define DT_I32 1

// Element offset of row-major index i of `shape` (rank dims) under `stride`.
uint strided_offset(uint i, uint rank, int shape[MAX_RANK], int stride[MAX_RANK])
{
    uint offset = 0;
    for (int d = int(rank) - 1; d >= 0; d--)
    {
        uint size = uint(shape[d]);
        offset += (i % size) * uint(stride[d]);
        i /= size;
    }
    return offset;
}

// A word read as the operand's dtype and widened to float (int32 rounds above 2^24; bf16 is exact).
float to_float(uint bits, uint dtype) { return dtype == DT_I32 ? float(int(bits)) : dtype == DT_BF16 ? bf16_value(bits) : uintBitsToFloat(bits); }

// A float stored as the dtype: float32 as is, int32 truncated toward zero like the reference's cast,
// bf16 rounded to nearest even (its 16 bits in the low half).
uint from_float(float value, uint dtype) { return dtype == DT_I32 ? uint(int(value)) : dtype == DT_BF16 ? bf16_bits(value) : floatBitsToUint(value); }

// Grid-stride loop bound: the host caps the group count, every invocation walks the rest.
#define FOR_EACH_ELEMENT(i, n) for (uint i = gl_GlobalInvocationID.x; i < (n); i += gl_NumWorkGroups.x * gl_WorkGroupSize.x)

#endif

// exp(-|x|) never overflows, so sigmoid stays finite for every input (unary.comp, binary.comp's SwiGLU ops).
float sigmoid(float x) { float e = exp(-abs(x)); return x >= 0 ? 1 / (1 + e) : e / (1 + e); }
