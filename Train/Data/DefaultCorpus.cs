// DefaultCorpus: the corpus we can train on with no download. Every .NET SDK ships the reference
// documentation of the base library as XML beside the reference assemblies
// (<dotnet root>/packs/Microsoft.NETCore.App.Ref/<version>/ref/net*/*.xml, about 30 MB): English
// prose about code, sprinkled with identifiers. We find the dotnet root of the running runtime,
// take the newest pack and extract one document per documented member, files in name order.
// It is not a good language-modelling corpus for general English; it is a free, offline,
// reproducible one, and the text kinds make the experts' specialisation visible.
using System.Runtime.InteropServices;
using System.Xml;
using System.Xml.Linq;

namespace MoeFromScratch.Train.Data;

public static class DefaultCorpus
{
    public const string Name = "dotnet-xmldoc";
    private const string Pack = "Microsoft.NETCore.App.Ref";

    /// <summary>The SDK's documentation, every member, or only those <paramref name="keepMember"/> accepts
    /// (named <see cref="Name"/>-filtered then, so its cache folder is told apart at a glance).</summary>
    public static Corpus Load(Func<string, bool>? keepMember = null) => FromFolder(DocsFolder(), keepMember);

    /// <summary>The folder of the newest reference pack's *.xml documentation.</summary>
    public static string DocsFolder()
    {
        var searched = Candidates().ToList();
        string folder = searched.Where(r => Directory.Exists(Path.Combine(r, "packs", Pack))).Select(FindDocsFolder).FirstOrDefault(f => f is not null)
            ?? throw new DataException(
                $"no .NET reference documentation ({Path.Combine("packs", Pack)}) under {string.Join(", ", searched)}; "
                + "set DOTNET_ROOT to a .NET SDK folder or pass --data PATH to train on your own text");
        return folder;
    }

    /// <summary>Extracts every *.xml documentation file of <paramref name="folder"/>, in ordinal name order.</summary>
    public static Corpus FromFolder(string folder, Func<string, bool>? keepMember = null)
    {
        var files = XmlFiles(folder);
        var documents = files.AsParallel().AsOrdered().SelectMany(f => XmlDocText.Extract(ReadXml(f), Path.GetFileName(f), keepMember).ToList()).ToList();
        long bytes = files.Sum(f => new FileInfo(f).Length);
        return new Corpus(keepMember is null ? Name : Name + "-filtered", folder, files.Length, bytes, documents);
    }

    /// <summary>The *.xml files of a documentation folder, in ordinal name order.</summary>
    public static string[] XmlFiles(string folder)
    {
        var files = Directory.GetFiles(folder, "*.xml").Order(StringComparer.Ordinal).ToArray();
        return files.Length > 0 ? files : throw new DataException($"{folder} holds no *.xml documentation files");
    }

    public static XDocument ReadXml(string path)
    {
        try
        {
            return XDocument.Load(path, LoadOptions.PreserveWhitespace);
        }
        catch (XmlException e)
        {
            throw new DataException($"{path}: not well-formed XML ({e.Message})");
        }
    }

    // DOTNET_ROOT first (what the user set), then the folders above the running runtime
    // (<root>/shared/Microsoft.NETCore.App/<version>/), then above the host executable, then the usual
    // install folders (a self-contained `moe` runs from its own folder, away from any SDK).
    private static IEnumerable<string> Candidates()
    {
        var seen = new HashSet<string>();
        var candidates = new List<string?> { Environment.GetEnvironmentVariable("DOTNET_ROOT") };
        for (var dir = new DirectoryInfo(RuntimeEnvironment.GetRuntimeDirectory()); dir is not null; dir = dir.Parent)
            candidates.Add(dir.FullName);
        if (Environment.ProcessPath is { } host) candidates.Add(Path.GetDirectoryName(host));
        candidates.AddRange(["/usr/share/dotnet", "/usr/lib/dotnet", "/usr/local/share/dotnet",
            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet")]);
        foreach (var candidate in candidates)
        {
            if (!string.IsNullOrEmpty(candidate) && seen.Add(Path.GetFullPath(candidate))) yield return Path.GetFullPath(candidate);
        }
    }

    // The newest release version (a prerelease only when no release exists), then its newest net* folder.
    private static string? FindDocsFolder(string dotnetRoot)
    {
        var versions = Directory.GetDirectories(Path.Combine(dotnetRoot, "packs", Pack))
            .Select(d => (Path: d, Version: ParseVersion(Path.GetFileName(d))))
            .Where(v => v.Version.Number is not null)
            .OrderBy(v => v.Version.Number).ThenBy(v => !v.Version.Prerelease);
        foreach (var (path, _) in versions.Reverse())
        {
            var frameworks = Path.Combine(path, "ref");
            if (!Directory.Exists(frameworks)) continue;
            var newest = Directory.GetDirectories(frameworks, "net*")
                .Where(f => Directory.EnumerateFiles(f, "*.xml").Any())
                .OrderBy(f => ParseVersion(Path.GetFileName(f)[3..]).Number).LastOrDefault();
            if (newest is not null) return newest;
        }
        return null;
    }

    private static (Version? Number, bool Prerelease) ParseVersion(string text)
    {
        string[] parts = text.Split('-', 2);
        return (Version.TryParse(parts[0], out var v) ? v : null, parts.Length > 1);
    }
}
