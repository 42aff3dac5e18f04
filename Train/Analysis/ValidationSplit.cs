// ValidationSplit: the validation tokens of a prepared corpus and their kind tags, opened as the
// batches an analysis runs (the trainer's validation order: sequential from the start). Owns the
// two memory-mapped files; dispose it after the analysis.
using MoeFromScratch.Train.Data;

namespace MoeFromScratch.Train.Analysis;

public sealed class ValidationSplit : IDisposable
{
    private readonly TokenFile _tokens;
    private readonly TokenFile _kinds;

    /// <param name="batches">Batches per pass; null = the whole split once (the last batch wraps to its start).</param>
    public ValidationSplit(TokenizedCorpus prepared, int batchSize, int sequenceLength, int? batches)
    {
        _tokens = prepared.OpenValidation();
        try
        {
            _kinds = TokenFile.Open(prepared.ValidationKindsPath);
            if (_kinds.Count != _tokens.Count)
                throw new DataException($"{prepared.ValidationKindsPath}: {_kinds.Count} kind tags for {_tokens.Count} tokens");
            var order = new TokenBatches(_tokens, batchSize, sequenceLength, seed: 0, WindowOrder.Sequential);
            int count = batches ?? (int)Math.Min(int.MaxValue, order.BatchesPerPass);
            if (count < 1) throw new Tensors.UsageException($"--batches {count}: expected >= 1");
            Data = new ValidationData(order, _kinds, count);
        }
        catch
        {
            _kinds?.Dispose();
            _tokens.Dispose();
            throw;
        }
    }

    public ValidationData Data { get; }

    public void Dispose()
    {
        _kinds.Dispose();
        _tokens.Dispose();
    }
}
