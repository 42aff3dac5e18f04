// ConsoleTables (Reporting/ConsoleTables): a table is never broken inside a word, on a narrow
// console or piped, and its title stands on a line of its own. In process on consoles of
// generated widths, then through the built `moe params` piped (as `moe params | less` is).
using System.Text.RegularExpressions;
using MoeFromScratch.PropertyTests.Reliability;
using MoeFromScratch.Train.Training.Reporting;
using Spectre.Console;

namespace MoeFromScratch.PropertyTests.Training;

public sealed partial class ConsoleTablesTests : FuzzFolderTests
{
    private const string Title = "/a/title/that/is/one/long/word/wider/than/the/console/config.json";
    private static readonly string[] Words = ["expert_load_per_layer", "routed_experts_disabled", "a", "bb", "1,234,567,890", "validation"];

    [Fact]
    public void No_word_is_split_and_the_title_has_its_own_line_at_any_console_width()
    {
        var widths = Gen.Choose(8, 120);
        var cell = Gen.Elements(Words).ArrayOf().Select(w => string.Join(' ', w));
        var rows = cell.ArrayOf(3).ArrayOf();   // (part, value, note) per row
        Prop.ForAll(widths.ToArbitrary(), rows.ToArbitrary(), (width, rows) =>
        {
            var writer = new StringWriter();
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(writer),
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
            });
            console.Profile.Width = width;
            var table = new Table { Title = new TableTitle(Markup.Escape(Title)) }.AddColumns("part", "value", "note");
            foreach (var row in rows) table.AddRow(row);
            ConsoleTables.Write(console, table);
            string[] lines = writer.ToString().Split('\n');
            Assert.Equal(Title, lines[0].TrimEnd());
            AssertNoWordSplit(string.Join('\n', lines[1..]), rows.SelectMany(r => r).Append("part value note"));
            Assert.Equal(width, console.Profile.Width);   // the wider layout was for this table only
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Piped_params_table_is_laid_out_wide_with_its_title_alone()
    {
        string path = Folder.File("a-config-with-a-file-name-long-enough-to-be-split-by-an-eighty-column-layout.json");
        File.WriteAllText(path, MoeConfigJson.ToJson(MoePresets.Tiny));
        var exit = MoeProcess.Run($"params --config {path}", timeout: TimeSpan.FromSeconds(60));
        Assert.True(exit.Code == 0, exit.ToString());
        string[] lines = exit.Stdout.Split('\n');
        Assert.Equal(path, lines[0]);
        AssertNoWordSplit(exit.Stdout, ["routed_experts", "shared_experts", "embedding"]);
        Assert.True(lines.Max(l => l.Length) <= ConsoleTables.PipedWidth, exit.Stdout);
    }

    // Every word of the cells appears whole on some line of the rendering.
    private static void AssertNoWordSplit(string rendered, IEnumerable<string> cells)
    {
        var seen = WordPattern().Matches(rendered).Select(m => m.Value).ToHashSet();
        foreach (var word in cells.SelectMany(c => c.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            Assert.True(seen.Contains(word), $"'{word}' is split:{Environment.NewLine}{rendered}");
    }

    [GeneratedRegex(@"[^\s│┃|─━┌┐└┘├┤┬┴┼╭╮╰╯]+")]
    private static partial Regex WordPattern();
}
