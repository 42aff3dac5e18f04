// unary.comp: y = op(x), x strided, y contiguous. The formulas mirror ReferenceBackend.UnaryFormula;
// OP is a specialization constant (the UnaryOp enum value), so each op compiles to its own pipeline.
// Known limit: exp/log/sin/cos use the GPU's built-ins (a few ulp; sin/cos absolute error ~1e-6
// near 0, larger for huge arguments), where the reference computes in double.
#version 450
#include "common.glsl"
#include "elementwise_push.glsl"
#include "kernel_ops.glsl"           // UNARY_*, BINARY_*: generated from KernelOps.cs
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint OP = 0;
layout(constant_id = 2) const uint DTYPE = DT_F32;
layout(binding = 0) readonly buffer X { WORD_STORAGE x[]; };   // bf16 variant: 16-bit words (bf16.glsl)
layout(binding = 1) writeonly buffer Y { WORD_STORAGE y[]; };

// sigmoid (common.glsl) and tanh stay finite for every input: exp(-|x|) never overflows.
float tanh_stable(float x) { float e = exp(-2 * abs(x)); return sign(x) * (1 - e) / (1 + e); }

float unary_formula(float x)
{
    switch (OP)
    {
        case UNARY_NEG: return -x;
        case UNARY_EXP: return exp(x);
        case UNARY_LOG: return log(x);
        case UNARY_SQRT: return sqrt(x);
        case UNARY_RSQRT: return 1 / sqrt(x);
        case UNARY_ABS: return abs(x);
        case UNARY_SIGN: return x > 0 ? 1 : x < 0 ? -1 : x;   // sign(±0) = ±0, sign(NaN) = NaN
        case UNARY_SQUARE: return x * x;
        case UNARY_RECIPROCAL: return 1 / x;
        case UNARY_RELU: return x > 0 ? x : 0;
        case UNARY_SIGMOID: return sigmoid(x);
        case UNARY_TANH: return tanh_stable(x);
        case UNARY_SILU: return x * sigmoid(x);
        case UNARY_SIN: return sin(x);
        default: return cos(x);
    }
}

// Integer ops that are exact in int; the rest go through float like the reference's double.
bool integer_exact() { return OP == UNARY_NEG || OP == UNARY_ABS || OP == UNARY_SIGN || OP == UNARY_SQUARE || OP == UNARY_RELU; }

int unary_int(int x)
{
    switch (OP)
    {
        case UNARY_NEG: return -x;
        case UNARY_ABS: return abs(x);
        case UNARY_SIGN: return sign(x);
        case UNARY_SQUARE: return x * x;
        default: return max(x, 0);
    }
}

void main()
{
    FOR_EACH_ELEMENT(i, p.numel)
    {
        uint bits = load_word(x[operand_offset(0, i)]);
        y[p.offset[3] + i] = store_word(DTYPE == DT_I32 && integer_exact()
            ? uint(unary_int(int(bits)))
            : from_float(unary_formula(to_float(bits, DTYPE)), DTYPE));
    }
}
