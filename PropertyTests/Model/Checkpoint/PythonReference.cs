// PythonReference: runs Model/python/hf_folder.py (the PyTorch float64 reference of the official
// modeling code, reading and writing HF folders by hand) and the `moe` program, for the interop
// tests. The interpreter is $MOE_PYTHON, else the first of /usr/bin/python3 and python3 that imports
// torch (Debian's python3-torch lives under /usr/bin; a pyenv python3 on PATH may lack it).
// Tests that need it skip, saying why, when none has torch — except under CI=true, where torch is
// installed and a missing one is a broken machine, so they fail (as the Vulkan tests do).
using System.Diagnostics;
using System.Text.Json;

namespace MoeFromScratch.PropertyTests.Model.Checkpoint;

internal static class PythonReference
{
    private static readonly Lazy<(string? Python, string? Reason)> _python = new(Find);

    /// <summary>Why the Python tests skip here, or null when they run (always null under CI=true).</summary>
    public static string? SkipReason => Environment.GetEnvironmentVariable("CI") == "true" ? null : _python.Value.Reason;

    /// <summary>Model/python/hf_folder.py, found above the test binaries.</summary>
    public static string Script
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "Model", "python", "hf_folder.py");
                if (File.Exists(candidate)) return candidate;
            }
            throw new FileNotFoundException($"no Model/python/hf_folder.py above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>hf_folder.py with args: (exit code, stdout, stderr).</summary>
    public static (int Exit, string Stdout, string Stderr) HfFolder(params string[] args)
    {
        var python = _python.Value.Python ?? throw new InvalidOperationException("no python3 with torch: " + _python.Value.Reason);
        return Run(python, [Script, .. args]);
    }

    /// <summary>`moe args` from the test binaries' folder: (exit code, stdout, stderr).</summary>
    public static (int Exit, string Stdout, string Stderr) Moe(params string[] args) =>
        Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "moe.dll"), .. args]);

    /// <summary>The one JSON object a successful run printed; a failed run fails the test with its stderr.</summary>
    public static JsonElement Json((int Exit, string Stdout, string Stderr) run, string what)
    {
        Assert.True(run.Exit == 0, $"{what} exited {run.Exit}: {run.Stderr}");
        using var document = JsonDocument.Parse(run.Stdout);
        return document.RootElement.Clone();
    }

    private static (int, string, string) Run(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["XDG_CACHE_HOME"] = Path.GetTempPath();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', args)}: no exit within 120 s");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private static (string?, string?) Find()
    {
        var candidates = Environment.GetEnvironmentVariable("MOE_PYTHON") is { Length: > 0 } chosen ? [chosen] : new[] { "/usr/bin/python3", "python3" };
        foreach (var python in candidates)
        {
            try
            {
                if (Run(python, ["-c", "import torch, numpy"]).Item1 == 0) return (python, null);
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // not installed under that name: try the next
            }
        }
        return (null, $"none of {string.Join(", ", candidates)} is a python3 that imports torch and numpy (set MOE_PYTHON)");
    }
}

/// <summary>A theory that needs python3 with torch: skipped with the reason when there is none (not under CI).</summary>
public sealed class TorchTheoryAttribute() : TheorySkippedWithReasonAttribute(PythonReference.SkipReason);

/// <summary>A fact that needs python3 with torch (same skipping rule as TorchTheory).</summary>
public sealed class TorchFactAttribute() : FactSkippedWithReasonAttribute(PythonReference.SkipReason);
