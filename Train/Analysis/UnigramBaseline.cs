// UnigramBaseline: the loss of the simplest model worth beating — predict every token from the
// training split's token frequencies (add-one smoothed over the V ids), ignoring context — on
// exactly the validation batches a ValidationPass scores, averaged the same way (mean of batch
// means). A model near this number has learned token frequencies and little else.
using MoeFromScratch.Train.Data;

namespace MoeFromScratch.Train.Analysis;

public static class UnigramBaseline
{
    public static double Loss(TokenFile train, ValidationData data)
    {
        int V = train.VocabSize;
        var counts = new long[V];
        var chunk = new int[1 << 16];
        for (long start = 0; start < train.Count; start += chunk.Length)
        {
            int n = (int)Math.Min(chunk.Length, train.Count - start);
            train.Read(start, chunk.AsSpan(0, n));
            for (int i = 0; i < n; i++) counts[chunk[i]]++;
        }
        double total = train.Count + V;
        var batches = data.Batches;
        int T = batches.ContextLength;
        batches.Seek(new DataPosition(0));
        double sum = 0;
        for (int b = 0; b < data.Count; b++)
        {
            var rows = batches.Next();                                // (B, T+1)
            double batch = 0;
            for (int r = 0; r < batches.BatchSize; r++)
                for (int t = 1; t <= T; t++) batch -= Math.Log((counts[rows[r * (T + 1) + t]] + 1) / total);
            sum += batch / (batches.BatchSize * T);
        }
        return sum / data.Count;
    }
}
