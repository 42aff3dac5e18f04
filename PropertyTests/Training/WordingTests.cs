// The wording rules every report shares (Reporting/Wording) and the report lines built on them:
// singular counts, no "Infinity" where a ratio or a rate has no finite value, an ETA that keeps
// its days.
using MoeFromScratch.Train.Training;
using MoeFromScratch.Train.Training.Reporting;

namespace MoeFromScratch.PropertyTests.Training;

public sealed class WordingTests
{
    [Theory]
    [InlineData(0, "0 batches")]
    [InlineData(1, "1 batch")]
    [InlineData(2, "2 batches")]
    [InlineData(12345, "12,345 batches")]
    public void Counts_agree_with_their_number(long n, string expected) => Assert.Equal(expected, Wording.Count(n, "batch", "batches"));

    [Fact]
    public void Non_finite_values_are_not_applicable_not_infinity()
    {
        Assert.Equal("n/a", Wording.Finite(double.PositiveInfinity, "F1"));
        Assert.Equal("n/a", Wording.Finite(double.NaN, "F1"));
        Assert.Equal("2.5", Wording.Finite(2.5, "F1"));
    }

    [Fact]
    public void Durations_keep_their_days()
    {
        Assert.Equal("00:00:05", Wording.Duration(TimeSpan.FromSeconds(5)));
        Assert.Equal("2d 03:04:05", Wording.Duration(new TimeSpan(2, 3, 4, 5)));
    }

    [Fact]
    public void An_eval_of_one_batch_says_batch()
    {
        Assert.Contains("(1 batch, ", RunSummary.EvalLine(new EvalReport(10, 4.5, 1, TimeSpan.FromSeconds(1))));
        Assert.Contains("after step 10", RunSummary.EvalLine(new EvalReport(10, 4.5, 8, TimeSpan.FromSeconds(1))));
    }
}
