// The console view of an analysis: one Spectre table per question — expert load per layer, the
// redundancy curve, the active-expert sweep, the shared experts disabled, and routing by kind of text with the specialisation
// score. Numbers as in analysis.json; Δ columns are the change from the plain pass.
using MoeFromScratch.Train.Training.Reporting;
using Spectre.Console;

namespace MoeFromScratch.Train.Analysis;

public static class AnalysisTables
{
    public static void Write(AnalysisResult r, IAnsiConsole console)
    {
        console.WriteLine($"{r.Checkpoint}: {r.MoeKind}, {r.SharedExperts} shared + {r.RoutedExperts} routed experts, K' = {r.ActiveExperts}; " +
            $"{Training.Reporting.Wording.Count(r.Batches, "validation batch", "validation batches")} ({r.Tokens:N0} tokens) of {r.Data}; val loss {r.ValidationLoss:F4}");

        var load = Table($"expert load (assignments per routed expert; layers {LayerNames.Convention})", "layer", "min", "max", "mean", "max/mean", "CV");
        foreach (var l in r.Layers)
            load.AddRow($"{l.Layer}", $"{l.Load.Min:N0}", $"{l.Load.Max:N0}", $"{l.Load.Mean:N1}", $"{l.Load.MaxOverMean:F2}", $"{l.Load.Cv:F3}");
        ConsoleTables.Write(console, load);

        if (r.Redundancy.Count > 0)
        {
            var redundancy = Table("redundancy: top routed experts disabled", "ratio", "disabled", "val loss", "Δ");
            foreach (var p in r.Redundancy)
                redundancy.AddRow(p.RatioLabel, $"{p.Disabled}", p.ValidationLoss is double v ? $"{v:F4}" : Markup.Escape($"skipped: {p.Skipped}"),
                    p.ValidationLoss is double w ? $"{w - r.ValidationLoss:+0.0000;-0.0000;0}" : "");
            ConsoleTables.Write(console, redundancy);
        }
        if (r.ActiveExpertsSweep.Count > 0)
        {
            var active = Table("fewer activated routed experts", "K'", "val loss", "Δ");
            foreach (var p in r.ActiveExpertsSweep)
                active.AddRow($"{p.ActiveExperts}", $"{p.ValidationLoss:F4}", $"{p.ValidationLoss - r.ValidationLoss:+0.0000;-0.0000;0}");
            ConsoleTables.Write(console, active);
        }
        if (r.SharedDisabledLoss is double noShared)
            console.WriteLine($"shared experts disabled, {r.ActiveExperts + r.SharedExperts} routed experts per token instead: val loss {noShared:F4} " +
                $"({noShared - r.ValidationLoss:+0.0000;-0.0000;0}; the paper's 2B: 1.808 -> 2.414)");
        if (r.Layers.All(l => l.Kinds is not null) && r.Layers.Count > 0)
        {
            var kinds = Table($"routing by kind of text (layers {LayerNames.Convention}; NMI = I(kind; expert) / H(kind); JSD to all kinds, bits; experts with the highest lift)",
                "layer", "NMI", "I bits", "kind", "tokens", "JSD", "over-used experts (lift)");
            foreach (var l in r.Layers)
                foreach (var (k, i) in l.Kinds!.Kinds.Select((k, i) => (k, i)))
                    kinds.AddRow(i == 0 ? $"{l.Layer}" : "", i == 0 ? (l.Kinds.NormalizedMutualInformation is double v ? $"{v:F4}" : "—") : "", i == 0 ? $"{l.Kinds.MutualInformationBits:F4}" : "",
                        k.Kind, $"{k.Tokens:N0}", $"{k.JsdToAll:F4}", string.Join(", ", k.MostOverUsed.Select(p => $"{p.Expert} ({p.Lift:F2}×)")));
            ConsoleTables.Write(console, kinds);
        }
        foreach (var note in r.Notes) console.WriteLine($"note: {note}");
    }

    private static Table Table(string title, params string[] columns)
    {
        var table = new Table { Title = new TableTitle(Markup.Escape(title)) };
        foreach (var c in columns) table.AddColumn(new TableColumn(Markup.Escape(c)));
        return table;
    }
}
