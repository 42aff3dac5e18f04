// topk.comp: the k largest of each row (last axis), sorted descending, ties to the lower index
// first. Mirrors ReferenceBackend.TopK. One workgroup per row runs k rounds of a workgroup argmax;
// round r only considers elements ranked after round r−1's winner in (value desc, index asc)
// order, so no "taken" mask is needed and the row can be any length. O(k · C / WG) per row:
// meant for the small k of MoE routing.
#version 450
#include "row_reduce.glsl"
layout(binding = 0) readonly buffer X { float x[]; };
layout(binding = 1) writeonly buffer Values { float values[]; };
layout(binding = 2) writeonly buffer Indices { int indices[]; };

layout(push_constant) uniform Push { uint rows, C, k, x_offset, values_offset, indices_offset; } p;

// Is (v, i) after (pv, pi) in the ranking?
bool after(float v, uint i, float pv, uint pi) { return v < pv || (v == pv && i > pi); }

void main()
{
    uint lid = gl_LocalInvocationIndex;
    FOR_EACH_ROW(row, p.rows)
    {
        uint xr = p.x_offset + row * p.C;
        float previous = 1.0 / 0.0;
        uint previous_index = 0xFFFFFFFFu;   // round 0: everything is eligible
        for (uint r = 0; r < p.k; r++)
        {
            float best = 0;
            uint best_index = 0xFFFFFFFFu;
            for (uint c = lid; c < p.C; c += WG)
            {
                float v = x[xr + c];
                bool eligible = previous_index == 0xFFFFFFFFu || after(v, c, previous, previous_index);
                if (eligible && (best_index == 0xFFFFFFFFu || v > best)) { best = v; best_index = c; }
            }
            workgroup_argmax(best, best_index);
            if (lid == 0)
            {
                values[p.values_offset + row * p.k + r] = best;
                indices[p.indices_offset + row * p.k + r] = int(best_index);
            }
            previous = best;
            previous_index = best_index;
        }
    }
}
