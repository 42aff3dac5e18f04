// AdamW's multi-tensor layout: parameters whose weights, gradients and moments lie back to back, and
// which share their weight decay, form a run that one fused AdamWUpdate dispatch updates as one flat
// tensor (the "multi-tensor apply" of apex and torch's foreach AdamW, here by layout instead of
// pointer lists). GradientBuffer.Pack(weights: true) puts Data and Grad in flat buckets, decaying
// matrices first and the undecayed vectors after them, so a bucket is at most two runs; the moments
// are allocated here per run, in the same layout. The update of each element is the per-tensor one,
// bit for bit: AdamW is elementwise and every element of a run has the same hyper-parameters.
// A parameter listed twice (under two names) keeps its own moments and its own dispatch, as before.
// Not here: the update rule (the backends' AdamW kernels), the order of the slots (parameter order).
using MoeFromScratch.Autograd;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Optim;

public sealed partial class AdamW
{
    /// <summary>Slots updated by one dispatch: back to back in Data, Grad, M and V, one weight decay.</summary>
    private sealed record Run(List<Slot> Slots);

    private readonly List<Run> _runs = [];
    private List<Parameter> _packOrder = [];

    /// <summary>Dispatches of one Step (a run each): what the multi-tensor layout saves against one per parameter.</summary>
    public int DispatchesPerStep => _runs.Count;

    // Packs weights and gradients (decaying first), then makes the slots with moments laid out per run.
    private void LayOut(List<(string Name, Parameter P)> named)
    {
        var packOrder = _packOrder = named.Select(n => n.P).Distinct().OrderBy(p => !Decays(p)).ToList();   // stable: model order within each group
        GradientBuffer.Pack(packOrder, weights: true);
        var moments = new Dictionary<Parameter, (Tensor M, Tensor V)>();
        foreach (var run in AdjacentRuns(packOrder))
            foreach (var (p, m, v) in MomentsFor(run)) moments[p] = (m, v);
        foreach (var (name, p) in named)
        {
            var (m, v) = moments.Remove(p, out var laidOut) ? laidOut : (Tensor.ZerosLike(p.Data), Tensor.ZerosLike(p.Data));
            _slots.Add(new Slot(name, p, m, v, Decays(p)));
        }
        var byParameter = _slots.GroupBy(s => s.Parameter).ToDictionary(g => g.Key, g => g.First());   // a parameter's first slot
        foreach (var run in AdjacentRuns(packOrder)) _runs.Add(new Run(run.Select(p => byParameter[p]).ToList()));
        foreach (var repeat in _slots.Except(byParameter.Values)) _runs.Add(new Run([repeat]));
    }

    // Consecutive parameters whose Data and Grad follow each other in one storage and that share Decays.
    private static IEnumerable<List<Parameter>> AdjacentRuns(List<Parameter> packOrder)
    {
        var run = new List<Parameter>();
        foreach (var p in packOrder)
        {
            if (run.Count > 0 && !(Decays(run[^1]) == Decays(p) && Adjacent(run[^1].Data, p.Data) && Adjacent(run[^1].Grad!, p.Grad!)))
            {
                yield return run;
                run = [];
            }
            run.Add(p);
        }
        if (run.Count > 0) yield return run;
    }

    private static bool Adjacent(Tensor first, Tensor next)
    {
        var views = Tensor.CoalesceViews([first, next]);
        foreach (var view in views) view.Dispose();
        return views.Count == 1;
    }

    // Zeroed m and v for the run, one flat tensor each; every parameter's moments are views of its span.
    private static IEnumerable<(Parameter P, Tensor M, Tensor V)> MomentsFor(List<Parameter> run)
    {
        int total = checked((int)run.Sum(p => p.Numel));
        using var flatM = Tensor.Zeros([total], run[0].DType, run[0].Backend);
        using var flatV = Tensor.Zeros([total], run[0].DType, run[0].Backend);
        var result = new List<(Parameter, Tensor, Tensor)>();
        int offset = 0;
        foreach (var p in run)
        {
            result.Add((p, GradientBuffer.SpanOf(flatM, offset, p), GradientBuffer.SpanOf(flatV, offset, p)));
            offset += (int)p.Numel;
        }
        return result;
    }

    // One AdamWUpdate per run over its flat views (per slot where a run no longer coalesces).
    private void UpdateRuns(int step, Tensor? gate)
    {
        foreach (var run in _runs)
        {
            var hyper = Hyper(run.Slots[0], step);
            var data = Tensor.CoalesceViews(run.Slots.Select(s => s.Parameter.Data));
            var grads = Tensor.CoalesceViews(run.Slots.Select(s => s.Parameter.Grad!));
            var m = Tensor.CoalesceViews(run.Slots.Select(s => s.M));
            var v = Tensor.CoalesceViews(run.Slots.Select(s => s.V));
            try
            {
                if (data.Count == 1 && grads.Count == 1 && m.Count == 1 && v.Count == 1)
                    data[0].AdamWUpdate(grads[0], m[0], v[0], hyper, gate);
                else
                    foreach (var s in run.Slots) s.Parameter.Data.AdamWUpdate(s.Parameter.Grad!, s.M, s.V, hyper, gate);
            }
            finally
            {
                foreach (var view in data.Concat(grads).Concat(m).Concat(v)) view.Dispose();
            }
        }
    }
}
