// unary.comp: y = op(x), x strided, y contiguous. The formulas mirror ReferenceBackend.UnaryFormula;
// OP is a specialization constant (the UnaryOp enum value), so each op compiles to its own pipeline.
// Known limit: exp/log/sin/cos use the GPU's built-ins (a few ulp; sin/cos absolute error ~1e-6
// near 0, larger for huge arguments), where the reference computes in double.
#version 450
#include "common.glsl"
#include "elementwise_push.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint OP = 0;
layout(constant_id = 2) const uint DTYPE = DT_F32;
layout(binding = 0) readonly buffer X { uint x[]; };
layout(binding = 1) writeonly buffer Y { uint y[]; };

#define NEG 0
#define EXP 1
#define LOG 2
#define SQRT 3
#define RSQRT 4
#define ABS 5
#define SIGN 6
#define SQUARE 7
#define RECIPROCAL 8
#define RELU 9
#define SIGMOID 10
#define TANH 11
#define SILU 12
#define SIN 13
#define COS 14

// exp(-|x|) never overflows, so sigmoid and tanh stay finite for every input.
float sigmoid(float x) { float e = exp(-abs(x)); return x >= 0 ? 1 / (1 + e) : e / (1 + e); }
float tanh_stable(float x) { float e = exp(-2 * abs(x)); return sign(x) * (1 - e) / (1 + e); }

float unary_formula(float x)
{
    switch (OP)
    {
        case NEG: return -x;
        case EXP: return exp(x);
        case LOG: return log(x);
        case SQRT: return sqrt(x);
        case RSQRT: return 1 / sqrt(x);
        case ABS: return abs(x);
        case SIGN: return x > 0 ? 1 : x < 0 ? -1 : x;   // sign(±0) = ±0, sign(NaN) = NaN
        case SQUARE: return x * x;
        case RECIPROCAL: return 1 / x;
        case RELU: return x > 0 ? x : 0;
        case SIGMOID: return sigmoid(x);
        case TANH: return tanh_stable(x);
        case SILU: return x * sigmoid(x);
        case SIN: return sin(x);
        default: return cos(x);
    }
}

// Integer ops that are exact in int; the rest go through float like the reference's double.
bool integer_exact() { return OP == NEG || OP == ABS || OP == SIGN || OP == SQUARE || OP == RELU; }

int unary_int(int x)
{
    switch (OP)
    {
        case NEG: return -x;
        case ABS: return abs(x);
        case SIGN: return sign(x);
        case SQUARE: return x * x;
        default: return max(x, 0);
    }
}

void main()
{
    FOR_EACH_ELEMENT(i, p.numel)
    {
        uint bits = x[operand_offset(0, i)];
        y[p.offset[3] + i] = DTYPE == DT_I32 && integer_exact()
            ? uint(unary_int(int(bits)))
            : from_float(unary_formula(to_float(bits, DTYPE)), DTYPE);
    }
}
