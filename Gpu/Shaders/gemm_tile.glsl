// gemm_tile.glsl: one workgroup computes one TM×TN tile of C = A·B over p in [p_begin, p_end),
// the loop nest of ReferenceBackend.MatMul (for m, for n, for p: c += a[m,p]·b[p,n]) blocked for
// shared memory. Every operand is addressed through (offset, row stride, column stride), so
// transposes, batches and MoE groups are all just different strides; matmul.comp,
// grouped_matmul.comp and grouped_matmul_weight_grad.comp include it and only choose the strides.
//
// Per P-step the workgroup stages a TP×TM slice of A and a TP×TN slice of B in shared memory
// (padded by one float so the strided stores hit distinct banks), then each invocation
// accumulates a 4×4 block of C in registers. Outputs of invocation (tx, ty) are interleaved
// (rows ty + i·TM/4, columns tx + j·TN/4) so neighbouring invocations read neighbouring words.
// Call from uniform control flow only: it uses barrier(). In the bf16 variants (bf16.glsl) A, B and C
// are bf16 words: each element is widened as it is staged, the tile accumulates in float32 and C is
// rounded once on store. The includer puts bf16.glsl first (right after #version).
#ifndef GEMM_TILE_GLSL
#define GEMM_TILE_GLSL
#include "bf16.glsl"   // FLOAT_STORAGE, load_float / store_float

layout(local_size_x_id = 0) in;                  // WG = (TM/4)·(TN/4) invocations
layout(constant_id = 1) const uint TM = 64;       // tile rows (M)
layout(constant_id = 2) const uint TN = 64;       // tile columns (N)
layout(constant_id = 3) const uint TP = 16;       // P-step (the inner dimension)
layout(constant_id = 4) const bool A_P_CONTIGUOUS = true;   // a[m, p+1] follows a[m, p]: load along p
layout(constant_id = 5) const bool B_N_CONTIGUOUS = true;   // b[p, n+1] follows b[p, n]: load along n
#define WG (gl_WorkGroupSize.x)
#define THREAD_TILE 4

layout(binding = 0) readonly buffer BufferA { FLOAT_STORAGE A[]; };
layout(binding = 1) readonly buffer BufferB { FLOAT_STORAGE B[]; };
layout(binding = 2) writeonly buffer BufferC { FLOAT_STORAGE C[]; };

shared float As[TP][TM + 1];   // As[p][m]
shared float Bs[TP][TN + 1];   // Bs[p][n]

struct Operand { uint offset; uint rows; uint columns; };   // element offset, row stride, column stride

void gemm_tile(Operand a, Operand b, Operand c, uint M, uint N, uint p_begin, uint p_end, uint m_tile, uint n_tile)
{
    uint lid = gl_LocalInvocationIndex;
    uint tx = lid % (TN / THREAD_TILE), ty = lid / (TN / THREAD_TILE);
    float acc[THREAD_TILE][THREAD_TILE];
    for (uint i = 0; i < THREAD_TILE; i++)
        for (uint j = 0; j < THREAD_TILE; j++) acc[i][j] = 0;

    for (uint p0 = p_begin; p0 < p_end; p0 += TP)
    {
        // Stage A[m_tile.., p0..] and B[p0.., n_tile..]; consecutive invocations walk the
        // operand's contiguous axis so global reads coalesce; out-of-range elements are 0.
        for (uint e = lid; e < TM * TP; e += WG)
        {
            uint m = A_P_CONTIGUOUS ? e / TP : e % TM, p = A_P_CONTIGUOUS ? e % TP : e / TM;
            uint gm = m_tile + m, gp = p0 + p;
            As[p][m] = gm < M && gp < p_end ? load_float(A[a.offset + gm * a.rows + gp * a.columns]) : 0;
        }
        for (uint e = lid; e < TP * TN; e += WG)
        {
            uint p = B_N_CONTIGUOUS ? e / TN : e % TP, n = B_N_CONTIGUOUS ? e % TN : e / TP;
            uint gp = p0 + p, gn = n_tile + n;
            Bs[p][n] = gp < p_end && gn < N ? load_float(B[b.offset + gp * b.rows + gn * b.columns]) : 0;
        }
        barrier();
        for (uint p = 0; p < TP; p++)
        {
            float av[THREAD_TILE], bv[THREAD_TILE];
            for (uint i = 0; i < THREAD_TILE; i++) av[i] = As[p][ty + i * (TM / THREAD_TILE)];
            for (uint j = 0; j < THREAD_TILE; j++) bv[j] = Bs[p][tx + j * (TN / THREAD_TILE)];
            for (uint i = 0; i < THREAD_TILE; i++)
                for (uint j = 0; j < THREAD_TILE; j++) acc[i][j] = fma(av[i], bv[j], acc[i][j]);
        }
        barrier();
    }

    for (uint i = 0; i < THREAD_TILE; i++)
        for (uint j = 0; j < THREAD_TILE; j++)
        {
            uint gm = m_tile + ty + i * (TM / THREAD_TILE), gn = n_tile + tx + j * (TN / THREAD_TILE);
            if (gm < M && gn < N) C[c.offset + gm * c.rows + gn * c.columns] = store_float(acc[i][j]);
        }
}
#endif
