// DeviceStepCounters: a Vulkan backend's counters over the timed steps of `moe bench train`, per
// step (Gpu/Runtime/VulkanCounters.cs says what each counts), and the most pool bytes live tensors
// held in those steps. Per step is the total over the steps divided by their number, so a counter
// that moves only on some steps (a logging interval) shows as a fraction. ByKernel splits the
// dispatches by kernel (VulkanBackend.DispatchesByKernel: the shader, or shader.Op for unary, binary
// and reduce), most first: where a step's passes go.
using System.Text.Json.Nodes;
using MoeFromScratch.Gpu.Runtime;

namespace MoeFromScratch.Train.Bench;

public sealed record DeviceStepCounters(VulkanCounters Total, int Steps, long PoolPeakBytes, IReadOnlyDictionary<string, long> ByKernel)
{
    /// <summary>The per-kernel dispatches between two snapshots of VulkanBackend.DispatchesByKernel (kernels that ran), most first.</summary>
    public static IReadOnlyDictionary<string, long> Difference(IReadOnlyDictionary<string, long> after, IReadOnlyDictionary<string, long> before) =>
        after.Select(kv => (kv.Key, Count: kv.Value - before.GetValueOrDefault(kv.Key)))
            .Where(k => k.Count > 0)
            .OrderByDescending(k => k.Count).ThenBy(k => k.Key, StringComparer.Ordinal)
            .ToDictionary(k => k.Key, k => k.Count);

    private double PerStep(long count) => Math.Round((double)count / Steps, 2);

    /// <summary>The kernels taking the most dispatches per step, "name count" each, for the text report.</summary>
    public string DescribeKernels(int top = 12) =>
        "dispatches per step by kernel: " + string.Join(", ", ByKernel.Take(top).Select(k => $"{k.Key} {PerStep(k.Value)}"))
        + (ByKernel.Count > top ? $", {ByKernel.Count - top} more" : "");

    /// <summary>One line for the text report.</summary>
    public string Describe() =>
        $"per step: {PerStep(Total.Dispatches)} dispatches, {PerStep(Total.Barriers)} barriers, {PerStep(Total.Submits)} submits, " +
        $"{PerStep(Total.HostWaits)} host waits ({PerStep(Total.ReadBacks)} read-backs), " +
        $"{PerStep(Total.BytesUploaded) / 1024:F1} KiB up, {PerStep(Total.BytesReadBack) / 1024:F1} KiB back, " +
        $"{PerStep(Total.StagingBuffersCreated)} staging buffers created; pool peak {PoolPeakBytes / (1024.0 * 1024):F1} MiB";

    public JsonObject Json() => new()
    {
        ["dispatches"] = PerStep(Total.Dispatches),
        ["barriers"] = PerStep(Total.Barriers),
        ["submits"] = PerStep(Total.Submits),
        ["host_waits"] = PerStep(Total.HostWaits),
        ["read_backs"] = PerStep(Total.ReadBacks),
        ["bytes_uploaded"] = PerStep(Total.BytesUploaded),
        ["bytes_read_back"] = PerStep(Total.BytesReadBack),
        ["staging_buffers_created"] = PerStep(Total.StagingBuffersCreated),
        ["dispatches_by_kernel"] = new JsonObject(ByKernel.Select(k => KeyValuePair.Create(k.Key, (JsonNode?)PerStep(k.Value)))),
    };
}
