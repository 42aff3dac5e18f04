// Validation loss: the mean LM loss over the first N batches of the validation split, without a
// graph. The batches are sequential and restart at 0 every time, so each pass sees the same tokens
// and passes are comparable (and a resumed run needs no validation state).
// The LM loss alone is reported (no aux loss): it is the number the paper's tables compare.
using System.Diagnostics;
using MoeFromScratch.Autograd;
using MoeFromScratch.Tensors;
using MoeFromScratch.Train.Data;

namespace MoeFromScratch.Train.Training;

public static class Evaluator
{
    public static EvalReport Run(ILanguageModel model, IBatchStream validation, int batches, long step, IBackend backend)
    {
        var clock = Stopwatch.StartNew();
        validation.Seek(new DataPosition(0));
        double sum = 0;
        using var noGrad = Grad.NoGrad();
        for (int i = 0; i < batches; i++)
        {
            using var scope = new TensorScope();
            sum += model.Forward(validation.NextBatch(backend)).Losses.Read().LmLoss;
        }
        return new EvalReport(step, sum / batches, batches, clock.Elapsed);
    }
}
