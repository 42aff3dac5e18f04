// LossParts: the losses of one forward pass and its routing counts kept on the device as one small
// vector, [objective, LM loss, aux_1 .. aux_L, load_1 (E) .. load_L (E)] (L MoE layers), so that
// reading all of them is a single read-back (Read), which the trainer does only on the steps it
// logs. Each part is copied into its slot on the device; nothing waits for the queue until Read.
// The counts travel as floats: exact below 2^24 tokens a step.
// Not differentiable: the objective to backpropagate is LmOutput.Loss. Not kept past the step: the
// vector lives in the step's TensorScope, so Read it before the scope ends.
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Training;

/// <summary>The parts read back: objective = LM loss + Σ aux (NaN without targets), AuxLoss = Σ AuxPerLayer,
/// ExpertLoadPerLayer: per MoE layer, tokens routed to each routed expert (length E).</summary>
public sealed record LossValues(double Loss, double LmLoss, double AuxLoss, IReadOnlyList<double> AuxPerLayer, IReadOnlyList<int[]> ExpertLoadPerLayer);

public sealed class LossParts
{
    private readonly Tensor? _parts;    // (2 + L + L·E); null when known on the host
    private readonly int _layers;
    private LossValues? _values;

    private LossParts(Tensor? parts, int layers, LossValues? values) => (_parts, _layers, _values) = (parts, layers, values);

    /// <summary>Device scalars and int32 (E) counts gathered into one vector; objective and lm are null without targets (read as NaN).</summary>
    public static LossParts OnDevice(Tensor? objective, Tensor? lm, IReadOnlyList<Tensor> auxPerLayer, IReadOnlyList<Tensor>? loadPerLayer = null)
    {
        loadPerLayer ??= [];
        if (loadPerLayer.Count != 0 && loadPerLayer.Count != auxPerLayer.Count)
            throw new ArgumentException($"LossParts: {auxPerLayer.Count} balance losses but {loadPerLayer.Count} expert loads");
        var any = objective ?? lm ?? auxPerLayer.FirstOrDefault();
        if (any is null) return Known(double.NaN, double.NaN, []);
        var slots = new List<Tensor>();
        try
        {
            foreach (var part in (Tensor?[])[objective, lm, .. auxPerLayer])
                slots.Add(part?.Reshape(1) ?? Tensor.Full([1], double.NaN, any.DType, any.Backend));   // () -> (1)
            foreach (var load in loadPerLayer) slots.Add(load.Cast(any.DType));                         // (E) counts
            return new LossParts(Tensor.Concat(slots, 0), loadPerLayer.Count, null);                   // (2 + L + L·E)
        }
        finally
        {
            foreach (var slot in slots) slot.Dispose();
        }
    }

    /// <summary>The device vector survives scope (the enclosing scope adopts it), to be read after it ends.</summary>
    public void Outlive(TensorScope scope)
    {
        if (_parts is not null) scope.Keep(_parts);
    }

    /// <summary>Values a model already has on the host (a model that reads its loss anyway).</summary>
    public static LossParts Known(double loss, double lmLoss, IReadOnlyList<double> auxPerLayer) =>
        new(null, 0, new LossValues(loss, lmLoss, auxPerLayer.Sum(), auxPerLayer, []));

    /// <summary>The values: one read-back the first time (it waits for the queue), none after.</summary>
    public LossValues Read() => _values ?? Parse(_parts!.ToDoubleArray());

    /// <summary>The values and, in the same read-back, tail's elements (the optimizer's gate, written
    /// later in the step); tail is read on its own when the values are already on the host.</summary>
    public (LossValues Values, double[] Tail) Read(Tensor tail)
    {
        if (_values is not null) return (_values, tail.ToDoubleArray());
        using var sameType = tail.Cast(_parts!.DType);
        using var both = Tensor.Concat([_parts, sameType], 0);              // (2 + L + L·E + tail)
        var host = both.ToDoubleArray();
        return (Parse(host[..(int)_parts.Numel]), host[(int)_parts.Numel..]);
    }

    private LossValues Parse(double[] host)
    {
        int L = _layers, auxCount = L == 0 ? host.Length - 2 : L, E = L == 0 ? 0 : (host.Length - 2 - L) / L;
        var aux = host[2..(2 + auxCount)];
        var loads = Enumerable.Range(0, L).Select(l => host[(2 + L + l * E)..(2 + L + (l + 1) * E)].Select(c => (int)c).ToArray()).ToList();
        return _values = new LossValues(host[0], host[1], aux.Sum(), aux, loads);
    }
}
