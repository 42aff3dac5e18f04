// matmul_skinny.comp: the matrix product when M is tiny (a row vector, a few tokens at decode):
// a 64×64 tile would leave most of the workgroup idle. Workgroup (x, y, z) = (64 columns, row m,
// batch); its WG invocations form 64 columns × (WG/64) slices of p, each summing every
// (WG/64)-th p, then the slices are added in shared memory. Reading b[p, n..n+63] coalesces when
// b is row-major. The host uses it for small N too, by computing cᵀ = bᵀ·aᵀ (swapped strides).
// Mirrors ReferenceBackend.MatMul.
#version 450
#include "bf16.glsl"   // FLOAT_STORAGE: float32, or bf16 words in the bf16 variant (A, B, C)
layout(local_size_x_id = 0) in;
#define COLUMNS 64u
#define SLICES (gl_WorkGroupSize.x / COLUMNS)

layout(binding = 0) readonly buffer BufferA { FLOAT_STORAGE A[]; };
layout(binding = 1) readonly buffer BufferB { FLOAT_STORAGE B[]; };
layout(binding = 2) writeonly buffer BufferC { FLOAT_STORAGE C[]; };

layout(push_constant) uniform Push
{
    uint M, N, P, batches;
    uint a_offset, b_offset, c_offset;
    uint a_batch, a_row, a_col;
    uint b_batch, b_row, b_col;
    uint c_batch, c_row, c_col;
} p;

shared float partial[1024];

void main()
{
    uint lid = gl_LocalInvocationIndex;
    uint column = lid % COLUMNS, slice = lid / COLUMNS;
    uint n = gl_WorkGroupID.x * COLUMNS + column, m = gl_WorkGroupID.y;
    for (uint batch = gl_WorkGroupID.z; batch < p.batches; batch += gl_NumWorkGroups.z)
    {
        float sum = 0;
        if (n < p.N)
        {
            uint a0 = p.a_offset + batch * p.a_batch + m * p.a_row;
            uint b0 = p.b_offset + batch * p.b_batch + n * p.b_col;
            for (uint inner = slice; inner < p.P; inner += SLICES)
                sum = fma(load_float(A[a0 + inner * p.a_col]), load_float(B[b0 + inner * p.b_row]), sum);
        }
        partial[lid] = sum;
        barrier();
        if (slice == 0 && n < p.N)
        {
            for (uint s = 1; s < SLICES; s++) sum += partial[s * COLUMNS + column];
            C[p.c_offset + batch * p.c_batch + m * p.c_row + n * p.c_col] = store_float(sum);
        }
        barrier();
    }
}
