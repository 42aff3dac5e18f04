// invert_permutation.comp: the rest of the MoE dispatch plan once bucket_by_destination.comp has
// sorted the assignments by expert (slot: sorted row -> assignment a = n·K + k). Mirrors the last
// loop of CpuBackend.SortByExpert: position[slot[r]] = r (the inverse) and token[r] = slot[r] / K.
// Each r writes its own position entry (slot is a permutation): no two invocations collide.
#version 450
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(binding = 0) readonly buffer Slot { int slot[]; };
layout(binding = 1) writeonly buffer Position { int position[]; };
layout(binding = 2) writeonly buffer Token { int token[]; };

layout(push_constant) uniform Push
{
    uint A, K;                         // assignments N·K; K
} p;

void main()
{
    FOR_EACH_ELEMENT(r, p.A)
    {
        int a = slot[r];
        position[a] = int(r);
        token[r] = a / int(p.K);
    }
}
