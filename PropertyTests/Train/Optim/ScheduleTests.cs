// Tests of the learning-rate schedules at the steps that define them: warmup, the paper's two
// drops at exactly 80% and 90%, and the cosine's end points.
using MoeFromScratch.Train.Optim;

namespace MoeFromScratch.PropertyTests.Train.Optim;

public class ScheduleTests
{
    [Theory]
    [InlineData(0, 0.1)]        // warmup starts at peak / W, not 0
    [InlineData(4, 0.5)]
    [InlineData(9, 1.0)]        // step W-1 reaches the peak
    [InlineData(10, 1.0)]
    [InlineData(799, 1.0)]
    [InlineData(800, 0.316)]    // × 0.316 at 80% of 1000 steps
    [InlineData(899, 0.316)]
    [InlineData(900, 0.316 * 0.316)]  // and again at 90%
    [InlineData(999, 0.316 * 0.316)]
    public void StepDecayFollowsThePaper(long step, double expected) =>
        Assert.Equal(expected, new StepDecaySchedule(1.0, 10, 1000).At(step), 12);

    [Fact]
    public void CosineGoesFromPeakToMinimum()
    {
        var cosine = new CosineSchedule(2.0, 10, 1010, 0.1);
        Assert.Equal(0.2, cosine.At(0), 12);
        Assert.Equal(2.0, cosine.At(10), 12);
        Assert.Equal(2.0 * (0.1 + 0.9 * 0.5), cosine.At(509), 2);  // about half way down the cosine
        Assert.Equal(0.2, cosine.At(1009), 12);
        Assert.Equal(0.2, cosine.At(5000), 12);
    }

    [Property]
    public bool NeverRisesAfterWarmup(PositiveInt total, NonNegativeInt warmup, NonNegativeInt step, bool cosine)
    {
        long t = total.Get, w = warmup.Get % (t + 1), s = w + step.Get % t;
        var schedule = Schedule.Create(cosine ? "cosine" : "step", 3e-4, w, t);
        return schedule.At(s + 1) <= schedule.At(s) && schedule.At(s) > 0;
    }

    [Fact]
    public void UnknownNameIsAnError() =>
        Assert.Contains("expected one of step, cosine", Assert.Throws<MoeFromScratch.Tensors.UsageException>(() => Schedule.Create("linear", 1, 0, 10)).Message);
}
