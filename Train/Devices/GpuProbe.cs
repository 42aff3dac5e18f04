// GpuProbe: does this machine have a Vulkan GPU? `--device auto` asks before it opens one, and it
// asks a child process (`moe devices --json`), because finding out loads every installed Vulkan
// driver into the asking process, and drivers are not light: Mesa's lavapipe and RADV pull in
// LLVM, a library that is never unloaded (it is linked NODELETE). On a machine with no GPU that is
// ~55 MB resident for the rest of a run that then trains on the CPU anyway, a sixth of the `small`
// preset's whole budget. The child costs ~0.4 s once per command.
// Where no child can be started (this is not the `moe` program, e.g. a test host), or the child
// fails, the question is answered in this process instead: the same answer, at the memory price.
// A child that hangs (a broken driver) is killed after ProbeTimeout and the run uses the CPU.
using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace MoeFromScratch.Train.Devices;

public static class GpuProbe
{
    /// <summary>How long the child may take; a healthy probe takes well under a second.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The device types `--device auto` (and plain `vulkan`) would open.</summary>
    public static bool IsGpu(string type) => type is "discrete-gpu" or "integrated-gpu" or "virtual-gpu";

    /// <summary>True when some Vulkan GPU is present; loads no Vulkan driver here when the child can answer.</summary>
    public static bool HasVulkanGpu() =>
        AskChild() ?? DeviceCatalog.List().Any(d => IsGpu(d.Type));

    // null: no answer from a child (not started, failed or printed no device list).
    private static bool? AskChild()
    {
        if (SelfCommand() is not { } start) return null;
        start.ArgumentList.Add("devices");
        start.ArgumentList.Add("--json");
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        try
        {
            using var child = Process.Start(start);
            if (child is null) return null;
            var stdout = child.StandardOutput.ReadToEndAsync();
            var stderr = child.StandardError.ReadToEndAsync();
            if (!child.WaitForExit(ProbeTimeout))
            {
                // A driver that hangs while enumerating would hang the run the same way in-process.
                child.Kill(entireProcessTree: true);
                Console.Error.WriteLine($"moe: warning: listing Vulkan devices took over {ProbeTimeout.TotalSeconds:F0} s; using the CPU (--device cpu skips the probe)");
                return false;
            }
            _ = stderr.Result;
            if (child.ExitCode != 0 || JsonNode.Parse(stdout.Result) is not JsonArray devices) return null;
            return devices.Any(d => d?["type"]?.GetValue<string>() is { } type && IsGpu(type));
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or System.Text.Json.JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    // How to run this program again: the published `moe` executable itself, or `dotnet moe.dll`.
    private static ProcessStartInfo? SelfCommand()
    {
        var entry = Assembly.GetEntryAssembly();
        string? host = Environment.ProcessPath;
        if (entry?.GetName().Name != "moe" || host is null) return null;
        var start = new ProcessStartInfo(host);
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            if (string.IsNullOrEmpty(entry.Location)) return null;
            start.ArgumentList.Add(entry.Location);
        }
        return start;
    }
}
