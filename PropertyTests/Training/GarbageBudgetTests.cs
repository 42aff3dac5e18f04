// GarbageBudget's decision, on counters the test drives: no collection while a run stays under the
// budget, one as soon as it is spent, none when the runtime collected on its own in between (the
// count starts afresh there), and then the next only after another full budget. Plus the real
// thing once: with the runtime's own counters, spending the budget makes a gen0 collection happen.
using MoeFromScratch.Train.Training;

namespace MoeFromScratch.PropertyTests.Training;

public sealed class GarbageBudgetTests
{
    private long _allocated;
    private int _collections;
    private int _ours;

    private GarbageBudget Budget(long bytes) =>
        new(bytes, () => _allocated, () => _collections, () => { _ours++; _collections++; });

    [Fact]
    public void Collects_once_the_budget_is_spent_and_not_before()
    {
        var budget = Budget(100);
        _allocated = 99;
        budget.AfterStep();
        Assert.Equal(0, _ours);
        _allocated = 100;
        budget.AfterStep();
        Assert.Equal(1, _ours);
        _allocated = 150;                 // 50 since our collection
        budget.AfterStep();
        Assert.Equal(1, _ours);
        _allocated = 200;
        budget.AfterStep();
        Assert.Equal(2, _ours);
    }

    [Fact]
    public void A_collection_the_runtime_made_itself_starts_the_count_afresh()
    {
        var budget = Budget(100);
        _allocated = 90;
        _collections++;                   // the runtime collected during this step
        budget.AfterStep();
        _allocated = 180;                 // 90 since then: under budget
        budget.AfterStep();
        Assert.Equal(0, _ours);
        _allocated = 190;
        budget.AfterStep();
        Assert.Equal(1, _ours);
    }

    [Fact]
    public void With_the_runtimes_counters_spending_the_budget_makes_a_gen0_collection()
    {
        var budget = new GarbageBudget(1 << 20);
        int before = GC.CollectionCount(0);
        for (int i = 0; i < 64; i++) GC.KeepAlive(new byte[32 << 10]);   // 2 MiB of garbage
        budget.AfterStep();
        Assert.True(GC.CollectionCount(0) > before);
    }
}
