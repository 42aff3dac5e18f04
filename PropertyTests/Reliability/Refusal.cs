// Refusal: what every refused command must look like from the terminal, asserted in one place —
// exit code 1, exactly one stderr line starting "moe: error: " (holding the expected words), no
// stack trace, an end within a hang guard, and a peak resident set under 300 MB. The peak is the
// child's own ru_maxrss, read by GNU time through wait4 when the child ends (so a burst just before
// exit is not missed, as polling /proc/<pid>/status could miss it).
// Not for commands that succeed: those are checked by the tests of what they produce.
namespace MoeFromScratch.PropertyTests.Reliability;

internal static class Refusal
{
    public const long MaxPeakRssBytes = 300L << 20;
    private const string GnuTime = "/usr/bin/time";

    /// <summary>Runs `moe args` and asserts it is refused as above; returns the error line.</summary>
    public static string Assert(string args, params string[] expected)
    {
        global::Xunit.Assert.True(File.Exists(GnuTime), $"{GnuTime} (GNU time, `apt-get install time`) measures a refused command's peak memory; it is missing");
        string report = Path.Combine(Path.GetTempPath(), $"moe-peak-rss-{Guid.NewGuid():N}.txt");
        try
        {
            MoeProcess.Exit exit;
            using (var moe = MoeProcess.Start(args, launcher: [GnuTime, "--quiet", "-f", "%M", "-o", report]))
                exit = moe.WaitForExit(TimeSpan.FromSeconds(90));
            global::Xunit.Assert.True(exit.Code == 1, $"moe {args}: expected exit 1, got {exit}");
            global::Xunit.Assert.True(exit.StderrLines.Length == 1, $"moe {args}: {exit.StderrLines.Length} stderr lines, expected one: {exit}");
            string line = exit.StderrLines[0];
            global::Xunit.Assert.StartsWith("moe: error: ", line);
            global::Xunit.Assert.DoesNotContain("   at ", exit.Stderr);
            foreach (var words in expected) global::Xunit.Assert.True(line.Contains(words, StringComparison.Ordinal), $"moe {args}: expected \"{words}\" in: {line}");
            long peak = long.Parse(File.ReadAllText(report).Trim().Split('\n')[^1]) * 1024;   // %M: KiB
            global::Xunit.Assert.True(peak < MaxPeakRssBytes, $"moe {args}: peak resident set {peak >> 20} MiB, expected < {MaxPeakRssBytes >> 20} MiB; {line}");
            return line;
        }
        finally
        {
            File.Delete(report);
        }
    }
}
