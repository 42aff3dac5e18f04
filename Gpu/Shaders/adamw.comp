// adamw.comp: one decoupled-weight-decay Adam step in place (Loshchilov & Hutter 2019, Alg. 2).
// Mirrors ReferenceBackend.AdamW, per element with t = step and c = 1 (or, gated, the device's
// t = gate[3] and clip coefficient c = gate[1]; nothing at all when gate[2] is 0, a skipped step):
//   g = c·grad
//   m = β1·m + (1 − β1)·g          v = β2·v + (1 − β2)·g²
//   m̂ = m / (1 − β1^t)             v̂ = v / (1 − β2^t)
//   p = p − lr·(m̂ / (sqrt(v̂) + ε) + wd·p)
// Ungated, the bias corrections 1 − β^t come from the host (double, rounded once); gated, t is on
// the device and they are formed here in float. All tensors contiguous.
#version 450
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(binding = 0) buffer Param { float param[]; };
layout(binding = 1) readonly buffer Grad { float grad[]; };
layout(binding = 2) buffer M { float m[]; };
layout(binding = 3) buffer V { float v[]; };
layout(binding = 4) readonly buffer Gate { float gate[]; };

layout(push_constant) uniform Push
{
    uint numel, param_offset, grad_offset, m_offset, v_offset;
    float lr, beta1, beta2, eps, weight_decay, bias_correction1, bias_correction2;
    uint has_gate, gate_offset;
} p;

void main()
{
    float c = 1, bias_correction1 = p.bias_correction1, bias_correction2 = p.bias_correction2;
    if (p.has_gate != 0)
    {
        if (gate[p.gate_offset + 2] == 0) return;
        float t = gate[p.gate_offset + 3];
        c = gate[p.gate_offset + 1];
        bias_correction1 = 1 - pow(p.beta1, t);
        bias_correction2 = 1 - pow(p.beta2, t);
    }
    FOR_EACH_ELEMENT(i, p.numel)
    {
        float g = c * grad[p.grad_offset + i], w = param[p.param_offset + i];
        float mi = p.beta1 * m[p.m_offset + i] + (1 - p.beta1) * g;
        float vi = p.beta2 * v[p.v_offset + i] + (1 - p.beta2) * g * g;
        float m_hat = mi / bias_correction1;
        float v_hat = vi / bias_correction2;
        m[p.m_offset + i] = mi;
        v[p.v_offset + i] = vi;
        param[p.param_offset + i] = w - p.lr * (m_hat / (sqrt(v_hat) + p.eps) + p.weight_decay * w);
    }
}
