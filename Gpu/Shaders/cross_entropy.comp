// cross_entropy.comp: per-row cross-entropy of logits (N, V) against int32 targets, forward and
// backward (BACKWARD). Mirrors ReferenceBackend.CrossEntropyForward / Backward:
//   m = max_v x, s = Σ_v exp(x − m)
//   forward:  losses[n] = m + log s − x[target]                  (0 when target == ignore_index)
//   backward: dlogits[n, v] = (exp(x − m)/s − [v == target]) · dlosses[n]   (0 on ignored rows)
// One workgroup per row; all tensors contiguous. An out-of-range target is treated as ignored.
// In the bf16 variant logits and dlogits are bf16 words; the losses and dlosses stay float32
// (Tensor.StatisticsDType), so the forward writes binding 2 and the backward binding 4, and the
// host binds a stand-in at the one a direction does not use.
#version 450
#include "bf16.glsl"   // FLOAT_STORAGE, load_float / store_float: float32, or bf16 words for logits and dlogits
#include "row_reduce.glsl"
layout(constant_id = 1) const uint BACKWARD = 0;
layout(binding = 0) readonly buffer Logits { FLOAT_STORAGE logits[]; };
layout(binding = 1) readonly buffer Targets { int targets[]; };
layout(binding = 2) writeonly buffer Losses { float losses[]; };       // forward only
layout(binding = 3) readonly buffer DLosses { float dlosses[]; };      // backward only
layout(binding = 4) writeonly buffer DLogits { FLOAT_STORAGE dlogits[]; }; // backward only

layout(push_constant) uniform Push { uint N, V, logits_offset, targets_offset, out_offset, dlosses_offset; int ignore_index; } p;

void main()
{
    uint lid = gl_LocalInvocationIndex;
    FOR_EACH_ROW(n, p.N)
    {
        uint xr = p.logits_offset + n * p.V;
        int target = targets[p.targets_offset + n];
        bool ignored = target == p.ignore_index || target < 0 || uint(target) >= p.V;
        if (BACKWARD == 0 && ignored)
        {
            if (lid == 0) losses[p.out_offset + n] = 0;
            continue;
        }
        float m = -1.0 / 0.0;
        for (uint v = lid; v < p.V; v += WG) m = max(m, load_float(logits[xr + v]));
        m = workgroup_max(m);
        float s = 0;
        for (uint v = lid; v < p.V; v += WG) s += exp(load_float(logits[xr + v]) - m);
        s = workgroup_sum(s);
        if (BACKWARD == 0)
        {
            if (lid == 0) losses[p.out_offset + n] = m + log(s) - load_float(logits[xr + uint(target)]);
        }
        else
        {
            float dloss = dlosses[p.dlosses_offset + n];
            for (uint v = lid; v < p.V; v += WG)
            {
                float onehot = int(v) == target ? 1 : 0;
                dlogits[p.out_offset + n * p.V + v] = store_float(ignored ? 0 : (exp(load_float(logits[xr + v]) - m) / s - onehot) * dloss);
            }
        }
    }
}
