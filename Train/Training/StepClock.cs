// StepClock: the time of each phase of a training step (data, forward, backward, optimizer), the
// way the run asked for it (TrainSettings.PhaseTimes, `--phase-times`) and the device allows:
//   not asked (the default): the host's clock at each phase's end, and no wait. On the CPU, which
//     runs each op as it is called, these are the phases' times; on an asynchronous device
//     (Vulkan) they are the times to queue each phase, and only a run of many steps shows the
//     device's pace (the queue is at most a few command buffers deep).
//   asked, on a device with timestamp queries (VulkanBackend.MarkTime): a timestamp written into
//     the queue at each phase's end and read when the step reports: one wait a step, no drain
//     between phases.
//   asked, on any other backend: a Synchronize at each phase's end, then the host's clock.
// Not a profiler: Gpu/Runtime/KernelProfile.cs times single dispatches.
using System.Diagnostics;
using MoeFromScratch.Gpu;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Training;

internal sealed class StepClock(IBackend backend, bool asked)
{
    private readonly VulkanBackend? _device = asked && backend is VulkanBackend { HasTimestamps: true } v ? v : null;
    private readonly Stopwatch _host = new();
    private readonly List<TimeSpan> _phases = [];

    /// <summary>The step begins: its first phase starts now.</summary>
    public void Start()
    {
        _phases.Clear();
        _host.Restart();
        _device?.MarkTime();
    }

    /// <summary>The current phase ends here (the next one, if any, begins).</summary>
    public void PhaseDone()
    {
        if (_device is not null)
        {
            _device.MarkTime();
            return;
        }
        if (asked) backend.Synchronize();
        _phases.Add(_host.Elapsed);
        _host.Restart();
    }

    /// <summary>The phases ended so far, in order (those not reached are zero).</summary>
    public PhaseTimes Times()
    {
        if (_device is not null) _phases.AddRange(_device.ReadTimes());
        TimeSpan At(int i) => i < _phases.Count ? _phases[i] : TimeSpan.Zero;
        var times = new PhaseTimes(At(0), At(1), At(2), At(3));
        _phases.Clear();
        return times;
    }
}
