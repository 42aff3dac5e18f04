// scatter_add.comp: y[p, d] += Σ_j [index[p, j] == d] · source[p, j] along one axis — torch's
// scatter_add_ and index_add_ (Mirrors ReferenceBackend.ScatterAdd and IndexAdd). p runs over the
// other axes, d over y's axis. IndexAdd is the case where index has stride 0 on every p axis.
// Deterministic, without float atomics: one invocation per destination (p, d) adds its sources in
// ascending j, so the sum is the reference's, in the reference's order, on every device.
// Finding the sources of d:
//   LISTED = 0 (ScatterAdd): scan the index along the axis, O(|y| · L). L is short there (top-k
//     positions, a reduced axis), and the index may differ for every p.
//   LISTED = 1 (IndexAdd): bucket_by_destination.comp has bucketed the one shared index by
//     destination on the device (a stable counting sort: list[start[d] .. start[d+1]) are the j with index[j] = d, ascending), so each
//     destination reads only its own sources: O(|y| + L · |p|). Scanning would be O(|y| · L), which
//     for an embedding's backward (y = vocabulary rows, L = tokens) is quadratic in the model's size.
// Float atomics (VK_EXT_shader_atomic_float, reported in VulkanDeviceInfo) would avoid the
// bucketing passes but make the sum order-dependent; not used.
#version 450
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(binding = 0) buffer Y { float y[]; };
layout(binding = 1) readonly buffer Index { int index[]; };
layout(binding = 2) readonly buffer Source { float source[]; };
layout(binding = 3) readonly buffer Start { int start[]; };    // LISTED: (y's axis + 1) bucket bounds
layout(binding = 4) readonly buffer List { int list[]; };      // LISTED: the j of each bucket, ascending
layout(constant_id = 1) const uint LISTED = 0;

#define SCATTER_RANK 5
layout(push_constant) uniform Push
{
    uint count, rank;                  // destinations (p, d); rank of (p axes..., d)
    int shape[SCATTER_RANK];           // (p axes coalesced..., y's axis size)
    uint offset[3];                    // y, index, source
    int stride[3][SCATTER_RANK];       // y, index, source over shape (index, source: 0 on the d axis)
    uint index_axis_stride, source_axis_stride, L;   // L: index length along the axis
} p;

uint scatter_offset(uint slot, uint i)
{
    uint offset = p.offset[slot];
    for (int d = int(p.rank) - 1; d >= 0; d--)
    {
        uint size = uint(p.shape[d]);
        offset += (i % size) * uint(p.stride[slot][d]);
        i /= size;
    }
    return offset;
}

void main()
{
    FOR_EACH_ELEMENT(i, p.count)
    {
        int d = int(i % uint(p.shape[p.rank - 1]));
        uint index_base = scatter_offset(1, i), source_base = scatter_offset(2, i);
        float acc = 0;
        if (LISTED == 1)
        {
            for (int t = start[d]; t < start[d + 1]; t++)
                acc += source[source_base + uint(list[t]) * p.source_axis_stride];
        }
        else
        {
            for (uint j = 0; j < p.L; j++)
                if (index[index_base + j * p.index_axis_stride] == d)
                    acc += source[source_base + j * p.source_axis_stride];
        }
        y[scatter_offset(0, i)] += acc;
    }
}
