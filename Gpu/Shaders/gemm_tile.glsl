// gemm_tile.glsl: one workgroup computes one TM×TN tile of C = A·B over k in [k_begin, k_end),
// the loop nest of ReferenceBackend.MatMul (for m, for n, for k: c += a[m,k]·b[k,n]) blocked for
// shared memory. Every operand is addressed through (offset, row stride, column stride), so
// transposes, batches and MoE groups are all just different strides; matmul.comp,
// grouped_matmul.comp and grouped_matmul_weight_grad.comp include it and only choose the strides.
//
// Per K-step the workgroup stages a TK×TM slice of A and a TK×TN slice of B in shared memory
// (padded by one float so the strided stores hit distinct banks), then each invocation
// accumulates a 4×4 block of C in registers. Outputs of invocation (tx, ty) are interleaved
// (rows ty + i·TM/4, columns tx + j·TN/4) so neighbouring invocations read neighbouring words.
// Call from uniform control flow only: it uses barrier().
#ifndef GEMM_TILE_GLSL
#define GEMM_TILE_GLSL

layout(local_size_x_id = 0) in;                  // WG = (TM/4)·(TN/4) invocations
layout(constant_id = 1) const uint TM = 64;       // tile rows (M)
layout(constant_id = 2) const uint TN = 64;       // tile columns (N)
layout(constant_id = 3) const uint TK = 16;       // K-step
layout(constant_id = 4) const bool A_K_CONTIGUOUS = true;   // a[m, k+1] follows a[m, k]: load along k
layout(constant_id = 5) const bool B_N_CONTIGUOUS = true;   // b[k, n+1] follows b[k, n]: load along n
#define WG (gl_WorkGroupSize.x)
#define THREAD_TILE 4

layout(binding = 0) readonly buffer BufferA { float A[]; };
layout(binding = 1) readonly buffer BufferB { float B[]; };
layout(binding = 2) writeonly buffer BufferC { float C[]; };

shared float As[TK][TM + 1];   // As[k][m]
shared float Bs[TK][TN + 1];   // Bs[k][n]

struct Operand { uint offset; uint rows; uint columns; };   // element offset, row stride, column stride

void gemm_tile(Operand a, Operand b, Operand c, uint M, uint N, uint k_begin, uint k_end, uint m_tile, uint n_tile)
{
    uint lid = gl_LocalInvocationIndex;
    uint tx = lid % (TN / THREAD_TILE), ty = lid / (TN / THREAD_TILE);
    float acc[THREAD_TILE][THREAD_TILE];
    for (uint i = 0; i < THREAD_TILE; i++)
        for (uint j = 0; j < THREAD_TILE; j++) acc[i][j] = 0;

    for (uint k0 = k_begin; k0 < k_end; k0 += TK)
    {
        // Stage A[m_tile.., k0..] and B[k0.., n_tile..]; consecutive invocations walk the
        // operand's contiguous axis so global reads coalesce; out-of-range elements are 0.
        for (uint e = lid; e < TM * TK; e += WG)
        {
            uint m = A_K_CONTIGUOUS ? e / TK : e % TM, k = A_K_CONTIGUOUS ? e % TK : e / TM;
            uint gm = m_tile + m, gk = k0 + k;
            As[k][m] = gm < M && gk < k_end ? A[a.offset + gm * a.rows + gk * a.columns] : 0;
        }
        for (uint e = lid; e < TK * TN; e += WG)
        {
            uint k = B_N_CONTIGUOUS ? e / TN : e % TK, n = B_N_CONTIGUOUS ? e % TN : e / TK;
            uint gk = k0 + k, gn = n_tile + n;
            Bs[k][n] = gk < k_end && gn < N ? B[b.offset + gk * b.rows + gn * b.columns] : 0;
        }
        barrier();
        for (uint k = 0; k < TK; k++)
        {
            float av[THREAD_TILE], bv[THREAD_TILE];
            for (uint i = 0; i < THREAD_TILE; i++) av[i] = As[k][ty + i * (TM / THREAD_TILE)];
            for (uint j = 0; j < THREAD_TILE; j++) bv[j] = Bs[k][tx + j * (TN / THREAD_TILE)];
            for (uint i = 0; i < THREAD_TILE; i++)
                for (uint j = 0; j < THREAD_TILE; j++) acc[i][j] = fma(av[i], bv[j], acc[i][j]);
        }
        barrier();
    }

    for (uint i = 0; i < THREAD_TILE; i++)
        for (uint j = 0; j < THREAD_TILE; j++)
        {
            uint gm = m_tile + ty + i * (TM / THREAD_TILE), gn = n_tile + tx + j * (TN / THREAD_TILE);
            if (gm < M && gn < N) C[c.offset + gm * c.rows + gn * c.columns] = acc[i][j];
        }
}
#endif
