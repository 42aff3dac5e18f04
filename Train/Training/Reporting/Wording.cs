// Wording: the few number-to-text rules every report shares, so no line says "1 batches",
// "Infinity" or an ETA that silently drops its days. Not a formatting library: only these three.
using System.Globalization;

namespace MoeFromScratch.Train.Training.Reporting;

public static class Wording
{
    /// <summary>"1 batch", "8 batches": many is the plural (given, English has no one rule).</summary>
    public static string Count(long n, string one, string many) => $"{n:N0} {(n == 1 ? one : many)}";

    /// <summary>value in format, or "n/a" when it is not a finite number (a ratio to 0, a time too short to measure).</summary>
    public static string Finite(double value, string format) =>
        double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    /// <summary>hh:mm:ss, with the days in front when there are any ("2d 03:04:05").</summary>
    public static string Duration(TimeSpan t) =>
        t.Days > 0 ? $"{t.Days}d {t:hh\\:mm\\:ss}" : t.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);
}
