// bucket_by_destination.comp: a stable counting sort of a 1-D index by destination, on the device,
// in four passes selected by PHASE (mirrors the counting sort it replaced, once on the host in
// VulkanBackend.Indexing.cs): afterwards list[start[d] .. start[d+1]) holds, ascending, the j with
// index[j] = d, which scatter_add.comp (LISTED) reads to sum each destination's sources in the
// reference's order. Out-of-range entries land in no bucket, as they add nothing there.
//   PHASE 0 count:   start[d + 1] += 1 for each j (start zero-filled first; integer atomics, exact)
//   PHASE 1 scan:    start = inclusive prefix sums (one workgroup: a serial chunk per invocation,
//                    then the chunk totals scanned in shared memory); cursor[d] = start[d]
//   PHASE 2 place:   list[atomicAdd(cursor[d], 1)] = j: every j lands in its bucket, in any order
//   PHASE 3 order:   one invocation per bucket sorts it ascending (insertion sort)
// Deterministic: the counts are exact and each bucket ends sorted, whatever order PHASE 2 ran in.
// Cost: O(L + size) but PHASE 3 is O(b²) for a bucket of b entries; an embedding's buckets are a
// token's repeats in the batch (a few, tens for the commonest tokens). A batch of one repeated id
// would sort L entries in one invocation: correct, slow.
#version 450
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint PHASE = 0;
layout(binding = 0) readonly buffer Index { int index[]; };
layout(binding = 1) buffer Start { int start[]; };     // size + 1 bucket bounds
layout(binding = 2) buffer Cursor { int cursor[]; };   // size: the next free slot of each bucket
layout(binding = 3) buffer List { int list[]; };       // L: the j of each bucket

layout(push_constant) uniform Push
{
    uint L, index_offset, index_stride, size;
} p;

#define SCAN_GROUP 256
shared int chunk_total[SCAN_GROUP];

int destination(uint j) { return index[p.index_offset + j * p.index_stride]; }

void main()
{
    if (PHASE == 0)
    {
        FOR_EACH_ELEMENT(j, p.L)
        {
            int d = destination(j);
            if (uint(d) < p.size) atomicAdd(start[d + 1], 1);
        }
    }
    else if (PHASE == 1)
    {
        // The host dispatches one workgroup of SCAN_GROUP invocations; invocation t owns entries
        // [t·chunk, (t+1)·chunk) of start[1 .. size].
        uint t = gl_LocalInvocationID.x, chunk = (p.size + SCAN_GROUP - 1) / SCAN_GROUP;
        uint first = 1 + t * chunk, last = min(1 + (t + 1) * chunk, p.size + 1);
        int sum = 0;
        for (uint d = first; d < last; d++) sum += start[d];
        chunk_total[t] = sum;
        barrier();
        if (t == 0)
            for (uint u = 1; u < SCAN_GROUP; u++) chunk_total[u] += chunk_total[u - 1];
        barrier();
        int running = t == 0 ? 0 : chunk_total[t - 1];
        for (uint d = first; d < last; d++)
        {
            running += start[d];
            start[d] = running;
        }
        memoryBarrierBuffer();   // the sums written above, visible to the whole group after the barrier
        barrier();
        for (uint d = t; d < p.size; d += SCAN_GROUP) cursor[d] = start[d];
    }
    else if (PHASE == 2)
    {
        FOR_EACH_ELEMENT(j, p.L)
        {
            int d = destination(j);
            if (uint(d) < p.size) list[atomicAdd(cursor[d], 1)] = int(j);
        }
    }
    else
    {
        FOR_EACH_ELEMENT(d, p.size)
        {
            int begin = start[d], end = start[d + 1];
            for (int a = begin + 1; a < end; a++)
            {
                int value = list[a], b = a - 1;
                for (; b >= begin && list[b] > value; b--) list[b + 1] = list[b];
                list[b + 1] = value;
            }
        }
    }
}
