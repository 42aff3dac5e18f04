// ConsoleTables: how every `moe` table reaches the console (params, devices, tokenize, gradcheck,
// analyze), so none is broken mid-word:
// - piped or redirected output is laid out PipedWidth columns wide, not Spectre's 80-column
//   fallback: `moe params | less` and a log file read like a wide terminal (SetUp, at start);
// - a table is never narrower than the longest word of each column needs: a cell wraps at spaces,
//   never inside a word; on a terminal narrower than that the terminal wraps the line instead;
// - a table's title goes on a line of its own above it, as written (Spectre would centre it and
//   wrap it, splitting a long path, to the table's width).
// Not a table builder: the commands build their Spectre tables; this only writes them.
using Spectre.Console;
using Spectre.Console.Rendering;

namespace MoeFromScratch.Train.Training.Reporting;

public static class ConsoleTables
{
    /// <summary>The width piped or redirected output is laid out for: wider than any table of ours.</summary>
    public const int PipedWidth = 200;

    /// <summary>Lays the process's console out PipedWidth wide when stdout is not a terminal.</summary>
    public static void SetUp()
    {
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = PipedWidth;
    }

    /// <summary>Writes the table's title (if any) on its own line, then the table at a width that splits no word.</summary>
    public static void Write(IAnsiConsole console, Table table)
    {
        if (table.Title is { } title)
        {
            console.Profile.Out.Writer.WriteLine(Markup.Remove(title.Text));   // as is: Spectre would wrap it at the width
            table.Title = null;
        }
        int width = console.Profile.Width;
        var options = RenderOptions.Create(console);
        if (Measure(table, options).Max > width) FitWithoutSplitting(table, options, width);
        console.Profile.Width = Math.Max(width, Measure(table, options).Max);   // wider only where the longest words need it
        try
        {
            console.Write(table);
        }
        finally
        {
            console.Profile.Width = width;
        }
    }

    // Fixes each column's width between its longest word and its longest cell. Spectre (like rich)
    // narrows the widest columns first when a table is too wide, splitting words; instead the room
    // left over the longest words is shared in proportion to what each column lacks to wrap nothing.
    private static void FitWithoutSplitting(Table table, RenderOptions options, int width)
    {
        var columns = table.Columns;
        int[] pad = [.. columns.Select(c => c.Padding?.GetWidth() ?? 0)];
        var cells = columns.Select((c, i) => table.Rows.Select(r => r[i]).Prepend(c.Header).Select(x => x.Measure(options, int.MaxValue)).ToList()).ToList();
        int[] longestWord = [.. cells.Select(m => m.Max(x => x.Min))], longestCell = [.. cells.Select(m => m.Max(x => x.Max))];
        int borders = Measure(table, options).Max - longestCell.Sum() - pad.Sum();
        int room = width - borders - pad.Sum() - longestWord.Sum();
        int lacking = longestCell.Sum() - longestWord.Sum();   // > 0: the table is wider than width
        for (int i = 0; i < columns.Count; i++)
            columns[i].Width = longestWord[i] + (room <= 0 ? 0 : (int)((long)room * (longestCell[i] - longestWord[i]) / lacking));
    }

    private static Measurement Measure(Table table, RenderOptions options) => ((IRenderable)table).Measure(options, int.MaxValue);
}
