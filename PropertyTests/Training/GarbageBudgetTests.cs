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

    // One step that leaves the runtime's allocation counter at `allocated`; after it we have collected `ours` times.
    private void Step(GarbageBudget budget, long allocated, int ours)
    {
        _allocated = allocated;
        budget.AfterStep();
        Assert.Equal(ours, _ours);
    }

    [Fact]
    public void Collects_once_the_budget_is_spent_and_not_before()
    {
        var budget = Budget(100);
        Step(budget, allocated: 99, ours: 0);
        Step(budget, allocated: 100, ours: 1);
        Step(budget, allocated: 150, ours: 1);   // 50 since our collection
        Step(budget, allocated: 200, ours: 2);
    }

    [Fact]
    public void A_collection_the_runtime_made_itself_starts_the_count_afresh()
    {
        var budget = Budget(100);
        _collections++;                          // the runtime collects during the first step
        Step(budget, allocated: 90, ours: 0);
        Step(budget, allocated: 180, ours: 0);   // 90 since then: under budget
        Step(budget, allocated: 190, ours: 1);
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
