// Facts and theories that need something a machine may lack (a Vulkan device, python3 with torch):
// each passes its reason to skip, null when the test can run here. Not here: deciding that reason
// (VulkanTestDevice.SkipReason, PythonReference.SkipReason), which also makes a CI machine fail
// rather than skip.
namespace MoeFromScratch.PropertyTests;

/// <summary>A fact skipped with skipReason unless it is null.</summary>
public abstract class FactSkippedWithReasonAttribute : FactAttribute
{
    protected FactSkippedWithReasonAttribute(string? skipReason) => Skip = skipReason;
}

/// <summary>A theory skipped with skipReason unless it is null.</summary>
public abstract class TheorySkippedWithReasonAttribute : TheoryAttribute
{
    protected TheorySkippedWithReasonAttribute(string? skipReason) => Skip = skipReason;
}
