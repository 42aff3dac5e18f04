// ParseErrors: System.CommandLine's parse errors as one `moe: error:` line a user can act on —
// the option, the value given and what the option takes ("--lr: 'abc' is not a number"), never a
// .NET type name (`System.Nullable`1[System.Double]`) and never the whole help after it. Only the
// first error is told: the rest usually follow from it. Not here: checks of a parsed value's
// range (each command's own UsageException).
using System.CommandLine;
using System.CommandLine.Parsing;

namespace MoeFromScratch.Train.Cli;

public static class ParseErrors
{
    /// <summary>The first parse error, on one line, with where to read more.</summary>
    public static string OneLine(ParseResult parse)
    {
        var error = parse.Errors[0];
        string command = CommandPath(parse.CommandResult);
        string hint = $"see `moe help{(command.Length == 0 ? "" : " " + command)}`";
        if (OptionOf(error.SymbolResult) is { } option && !error.Message.StartsWith(option.Name, StringComparison.Ordinal))
        {   // a conversion or missing-value error (a validator's own message starts with the option's name and is kept)
            var values = error.SymbolResult!.Tokens.Where(t => t.Type == TokenType.Argument).Select(t => $"'{t.Value}'").ToList();
            if (values.Count > 1 && option.Arity.MaximumNumberOfValues == 1)   // `--seq 8 --seq 16`: not a bad value, a repeated option
                return $"{option.Name}: given {values.Count} times ({string.Join(", ", values)}); give it once; {hint}";
            string takes = Takes(option.ValueType);
            return error.SymbolResult!.Tokens.FirstOrDefault(t => t.Type == TokenType.Argument) is { } given
                ? $"{option.Name}: '{given.Value}' is not {takes}; {hint}"
                : $"{option.Name}: needs a value{(takes == AnyValue ? "" : $" ({takes})")}; {hint}";
        }
        if (OptionOf(error.SymbolResult) is not null) return $"{error.Message}; {hint}";
        string unmatched = parse.UnmatchedTokens.Count > 0 ? parse.UnmatchedTokens[0] : "";
        if (unmatched.Length > 0)
            return $"'{unmatched}' is not a{(unmatched.StartsWith('-') ? "n option" : " command")} of `moe{(command.Length == 0 ? "" : " " + command)}`; {hint}";
        var subcommands = parse.CommandResult.Command.Subcommands;
        if (subcommands.Count > 0)
            return $"`moe{(command.Length == 0 ? "" : " " + command)}` needs one of: {string.Join(", ", subcommands.Select(c => c.Name))}; {hint}";
        return $"{string.Join(' ', error.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))}; {hint}";
    }

    // "train", "bench gemm"; "" for the root
    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is CommandResult c && c.Parent is not null; r = r.Parent) names.Insert(0, c.Command.Name);
        return string.Join(' ', names);
    }

    private static Option? OptionOf(SymbolResult? result)
    {
        for (var r = result; r is not null; r = r.Parent)
            if (r is OptionResult o) return o.Option;
        return null;
    }

    /// <summary>What an option of this value type takes, in words.</summary>
    public static string Takes(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(double) || type == typeof(float)) return "a number (like 0.001)";
        if (type == typeof(ulong) || type == typeof(uint)) return "a whole number, 0 or more";
        if (type == typeof(long) || type == typeof(int)) return "a whole number";
        if (type == typeof(bool)) return "true or false";
        if (type.IsEnum) return $"one of {string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()))}";
        return AnyValue;
    }

    private const string AnyValue = "a value";
}
