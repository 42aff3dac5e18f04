// binary.comp: y = op(a, b), a and b strided (broadcast axes have stride 0), y contiguous; with
// SCALAR_B, b is one number pushed as value_bits (BinaryScalar), so no tensor or fill carries it.
// The formulas mirror ReferenceBackend.BinaryFormula; comparisons write 1 or 0 in y's dtype.
// int32 operands use integer arithmetic where it is exact (the reference's double is exact too).
#version 450
#include "common.glsl"
#include "elementwise_push.glsl"
#include "kernel_ops.glsl"           // UNARY_*, BINARY_*: generated from KernelOps.cs
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint OP = 0;
layout(constant_id = 2) const uint DTYPE = DT_F32;
layout(constant_id = 3) const uint SCALAR_B = 0;   // 1: b is one number, p.value_bits (BinaryScalar), not the buffer
layout(binding = 0) readonly buffer A { WORD_STORAGE a[]; };   // bf16 variant: 16-bit words (bf16.glsl)
layout(binding = 1) readonly buffer B { WORD_STORAGE b[]; };
layout(binding = 2) writeonly buffer Y { WORD_STORAGE y[]; };

// Math.Pow semantics where GLSL's pow is undefined: x < 0 (integer y), x == 0, y == 0.
float pow_reference(float x, float y)
{
    if (y == 0) return 1;
    if (x == 0) return y > 0 ? 0 : 1.0 / 0.0;
    if (x < 0)
    {
        if (floor(y) != y) return 0.0 / 0.0;
        float r = pow(-x, y);
        return mod(y, 2.0) == 1.0 ? -r : r;
    }
    return pow(x, y);
}

// Math.Max / Math.Min propagate NaN; GLSL's max/min leave it undefined.
float max_nan(float x, float y) { return isnan(x) || isnan(y) ? x + y : max(x, y); }
float min_nan(float x, float y) { return isnan(x) || isnan(y) ? x + y : min(x, y); }

float binary_formula(float x, float y)
{
    switch (OP)
    {
        case BINARY_ADD: return x + y;
        case BINARY_SUB: return x - y;
        case BINARY_MUL: return x * y;
        case BINARY_DIV: return x / y;
        case BINARY_MAX: return max_nan(x, y);
        case BINARY_MIN: return min_nan(x, y);
        case BINARY_POW: return pow_reference(x, y);
        case BINARY_SILUMUL: return x * sigmoid(x) * y;
        case BINARY_SILUGRAD: { float s = sigmoid(x); return y * s * (1 + x * (1 - s)); }
        case BINARY_EQ: return x == y ? 1 : 0;
        case BINARY_NE: return x != y ? 1 : 0;
        case BINARY_LT: return x < y ? 1 : 0;
        case BINARY_LE: return x <= y ? 1 : 0;
        case BINARY_GT: return x > y ? 1 : 0;
        default: return x >= y ? 1 : 0;
    }
}

// Integer power by repeated squaring: exact, where float pow gives 3^4 = 80.99998 and truncates
// to 80. A negative exponent truncates toward zero as the reference does (only |x| == 1 survives;
// 0^-n is +inf saturated). Overflow wraps, where the reference saturates (documented gap).
int pow_int(int x, int y)
{
    if (y < 0)
    {
        if (x == 0) return 2147483647;
        if (x == 1 || x == -1) return (y & 1) != 0 ? x : 1;
        return 0;
    }
    int result = 1;
    for (int base_ = x, e = y; e > 0; e >>= 1, base_ *= base_)
        if ((e & 1) != 0) result *= base_;
    return result;
}

int binary_int(int x, int y)
{
    switch (OP)
    {
        case BINARY_ADD: return x + y;
        case BINARY_SUB: return x - y;
        case BINARY_MUL: return x * y;
        case BINARY_DIV: return y == 0 ? 0 : x / y;   // the reference saturates ±inf; 0 here (documented gap)
        case BINARY_MAX: return max(x, y);
        case BINARY_MIN: return min(x, y);
        case BINARY_POW: return pow_int(x, y);
        case BINARY_EQ: return x == y ? 1 : 0;
        case BINARY_NE: return x != y ? 1 : 0;
        case BINARY_LT: return x < y ? 1 : 0;
        case BINARY_LE: return x <= y ? 1 : 0;
        case BINARY_GT: return x > y ? 1 : 0;
        default: return x >= y ? 1 : 0;
    }
}

void main()
{
    FOR_EACH_ELEMENT(i, p.numel)
    {
        // The scalar's value_bits are in the operand's dtype, except for bf16: float32 bits, so the
        // number is not rounded to bf16 before the op (the reference rounds only the result).
        uint x = load_word(a[operand_offset(0, i)]), z = SCALAR_B == 1 ? p.value_bits : load_word(b[operand_offset(1, i)]);
        uint z_dtype = SCALAR_B == 1 && DTYPE == DT_BF16 ? DT_F32 : DTYPE;
        y[p.offset[3] + i] = store_word(DTYPE == DT_I32
            ? uint(binary_int(int(x), int(z)))
            : from_float(binary_formula(to_float(x, DTYPE), to_float(z, z_dtype)), DTYPE));
    }
}
