// Fuzz: the one property every user-input loader must keep, run over generated and mutated inputs.
// For each case: loading either succeeds (and the caller's consistency check passes) or throws a
// MoeUserException whose message is one line and names the file; never another exception type,
// never a case slower than PerCaseBudget, never more allocation than a bound set by the file's
// real size (a lying header must not make us allocate what it claims). The whole run has a
// wall-clock budget, so a hang fails the test (naming the case in flight) instead of blocking CI.
// Not a coverage-guided fuzzer: cases come from FsCheck generators of (mutation, seed); the seed
// drives System.Random for byte-level details, so a failing case replays from what FsCheck prints.
using System.Diagnostics;

namespace MoeFromScratch.PropertyTests.Reliability;

/// <summary>One materialised input: where it lies, its size on disk, and how to load and check it.</summary>
internal sealed record FuzzInput(string Name, long Bytes, Action LoadAndCheck);

internal static class Fuzz
{
    public const int CasesPerKind = 10_000;
    public static readonly TimeSpan PerCaseBudget = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan RunBudget = TimeSpan.FromSeconds(60);

    /// <summary>Per case: what a loader may allocate beyond a fixed allowance (IO buffers, parsers).</summary>
    public const long FixedAllocationBytes = 16L << 20;
    public const long AllocationPerFileByte = 64;

    /// <summary>Runs the property over CasesPerKind cases from gen; materialize builds each input.</summary>
    public static FuzzReport Run<T>(string kind, Gen<T> gen, Func<T, FuzzInput> materialize, int cases = CasesPerKind)
    {
        var report = new FuzzReport(kind);
        string? inFlight = null;
        var worker = Task.Factory.StartNew(() =>
        {
            var property = Prop.ForAll(Arb.From(gen), (T c) =>
            {
                inFlight = c?.ToString();
                var input = materialize(c);
                report.Record(Probe(input, c?.ToString() ?? ""));
            });
            Check.One(Config.QuickThrowOnFailure.WithMaxTest(cases).WithQuietOnSuccess(true), property);
        }, TaskCreationOptions.LongRunning);
        if (!worker.Wait(RunBudget))
            Assert.Fail($"{kind}: no result after {RunBudget.TotalSeconds} s (a hang?); case in flight: {inFlight}");
        return report;
    }

    private static (bool Loaded, TimeSpan Time) Probe(FuzzInput input, string replay)
    {
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        bool loaded;
        try
        {
            input.LoadAndCheck();
            loaded = true;
        }
        catch (MoeUserException e)
        {
            loaded = false;
            if (e.Message.Contains('\n') || e.Message.Contains('\r'))
                Assert.Fail($"{replay}: message has a line break: {e.Message}");
            if (!e.Message.Contains(input.Name, StringComparison.Ordinal))
                Assert.Fail($"{replay}: message does not name {input.Name}: {e.Message}");
        }
        catch (Exception e)
        {
            Assert.Fail($"{replay}: {e.GetType().Name} is not a MoeUserException: {e}");
            throw;
        }
        var time = clock.Elapsed;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        long allowed = FixedAllocationBytes + AllocationPerFileByte * input.Bytes;
        if (allocated > allowed)
            Assert.Fail($"{replay}: allocated {allocated} bytes for a {input.Bytes}-byte input (allowed {allowed})");
        if (time > PerCaseBudget)
            Assert.Fail($"{replay}: took {time.TotalSeconds:F1} s (budget {PerCaseBudget.TotalSeconds} s)");
        return (loaded, time);
    }
}

/// <summary>What a run saw: how many cases loaded, how many were refused, the slowest case.</summary>
internal sealed class FuzzReport(string kind)
{
    public int Loaded { get; private set; }
    public int Refused { get; private set; }
    public TimeSpan Slowest { get; private set; }

    public void Record((bool Loaded, TimeSpan Time) result)
    {
        if (result.Loaded) Loaded++; else Refused++;
        if (result.Time > Slowest) Slowest = result.Time;
    }

    public override string ToString() => $"{kind}: {Loaded + Refused} cases, {Loaded} loaded, {Refused} refused, slowest {Slowest.TotalMilliseconds:F0} ms";
}
