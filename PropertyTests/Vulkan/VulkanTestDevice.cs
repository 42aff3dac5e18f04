// VulkanTestDevice: the one Vulkan backend every Vulkan test shares, with validation layers on
// (when installed). It selects the CPU device (lavapipe) explicitly unless MOE_VK_TEST_DEVICE=N
// names another. Without any Vulkan device the tests skip with the reason, except under CI=true,
// where they fail: a CI machine without Vulkan is a broken CI machine.
using MoeFromScratch.Gpu;
using MoeFromScratch.Gpu.Runtime;

namespace MoeFromScratch.PropertyTests.Vulkan;

public static class VulkanTestDevice
{
    private static readonly Lazy<(VulkanBackend? Backend, string? Reason)> _device = new(Open);

    /// <summary>The shared backend; throws (failing the test) when there is none.</summary>
    public static VulkanBackend Backend => _device.Value.Backend
        ?? throw new InvalidOperationException("no Vulkan device for tests: " + _device.Value.Reason);

    /// <summary>Why Vulkan tests skip here, or null when they run (always null under CI=true).</summary>
    public static string? SkipReason =>
        Environment.GetEnvironmentVariable("CI") == "true" ? null : _device.Value.Reason;

    private static (VulkanBackend?, string?) Open()
    {
        try
        {
            int? index = int.TryParse(Environment.GetEnvironmentVariable("MOE_VK_TEST_DEVICE"), out int n) ? n : null;
            index ??= VulkanDevices.List().FirstOrDefault(d => d.Type == VulkanDeviceType.Cpu)?.Index;
            var backend = new VulkanBackend(new VulkanOptions { DeviceIndex = index, AllowCpuDevice = true, Validation = true });
            AppDomain.CurrentDomain.ProcessExit += (_, _) => backend.Dispose();
            return (backend, null);
        }
        catch (GpuUnavailableException e)
        {
            return (null, e.Message);
        }
    }
}

/// <summary>A fact that needs a Vulkan device: skipped with the reason when none (not under CI).</summary>
public sealed class VulkanFactAttribute() : FactSkippedWithReasonAttribute(VulkanTestDevice.SkipReason);

/// <summary>A theory that needs a Vulkan device (same skipping rule as VulkanFact).</summary>
public sealed class VulkanTheoryAttribute() : TheorySkippedWithReasonAttribute(VulkanTestDevice.SkipReason);

/// <summary>Vulkan tests share one backend, which is single-threaded: they run one at a time.</summary>
[CollectionDefinition("Vulkan", DisableParallelization = true)]
public sealed class VulkanCollection;
