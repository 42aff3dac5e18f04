// clip_gate.comp: the optimizer step's clip-and-skip decision on the device, one invocation (the
// slots are OptimizerGate.cs's). Mirrors OptimizerGate.Next:
//   ok = isfinite(Σ g²) && isfinite(loss)
//   gate[0] = Σ g²    gate[1] = ok ? min(1, max_norm / (sqrt(Σ g²) + 1e-6)) : 1    gate[2] = ok
//   gate[3] += ok     gate[4] = ok ? 0 : gate[4] + 1                               gate[5] += !ok
// The coefficient is formed in float here (the host backends form it in double and round once).
#version 450
layout(local_size_x = 1) in;
layout(binding = 0) readonly buffer Sum { float sum_of_squares[]; };
layout(binding = 1) readonly buffer Loss { float loss[]; };
layout(binding = 2) buffer Gate { float gate[]; };

layout(push_constant) uniform Push
{
    uint sum_offset, loss_offset, gate_offset, has_loss;
    float max_norm;
} p;

bool finite(float x) { return !isnan(x) && !isinf(x); }

void main()
{
    float s = sum_of_squares[p.sum_offset];
    bool ok = finite(s) && (p.has_loss == 0 || finite(loss[p.loss_offset]));
    float coefficient = p.max_norm / (sqrt(s) + 1e-6);
    uint g = p.gate_offset;
    gate[g + 0] = s;
    gate[g + 1] = ok && coefficient < 1 ? coefficient : 1;
    gate[g + 2] = ok ? 1 : 0;
    gate[g + 3] += ok ? 1 : 0;
    gate[g + 4] = ok ? 0 : gate[g + 4] + 1;
    gate[g + 5] += ok ? 0 : 1;
}
