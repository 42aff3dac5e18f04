// scatter_add.comp: y[p, d] += Σ_j [index[p, j] == d] · source[p, j] along one axis — torch's
// scatter_add_ and index_add_ (Mirrors ReferenceBackend.ScatterAdd and IndexAdd). p runs over the
// other axes, d over y's axis. IndexAdd is the case where index has stride 0 on every p axis.
// Deterministic, without float atomics: one invocation per destination (p, d) walks j in
// ascending order, so the sum is the reference's, in the reference's order, on every device.
// Cost is O(|y| · L) (L = index length along the axis): fine for the MoE combine (L = tokens·K
// routed rows) at the sizes trained here, quadratic beyond. Float atomics (VK_EXT_shader_atomic_float,
// reported in VulkanDeviceInfo) would make it O(L) but order-dependent; not implemented.
#version 450
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(binding = 0) buffer Y { float y[]; };
layout(binding = 1) readonly buffer Index { int index[]; };
layout(binding = 2) readonly buffer Source { float source[]; };

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
        for (uint j = 0; j < p.L; j++)
            if (index[index_base + j * p.index_axis_stride] == d)
                acc += source[source_base + j * p.source_axis_stride];
        y[scatter_offset(0, i)] += acc;
    }
}
