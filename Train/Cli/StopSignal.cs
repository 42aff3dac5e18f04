// StopSignal: Ctrl-C (SIGINT) or SIGTERM asks for a clean stop at the next step boundary — the
// trainer then saves a checkpoint — and a second one ends the process at once (the handler lets the
// runtime's default action through). `moe train`, `moe sft` (through TrainLoop) and `moe experiment` share it.
// Not here: what stopping means for a command (the Trainer's checkpoint, the experiment's rerun).
using System.Runtime.InteropServices;

namespace MoeFromScratch.Train.Cli;

public sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly PosixSignalRegistration _onInterrupt, _onTerminate;

    /// <param name="after">What the command does before it stops, for the message (e.g. "saving a checkpoint").</param>
    public StopSignal(string after)
    {
        void OnStopSignal(PosixSignalContext context)
        {
            if (_cancel.IsCancellationRequested) return;   // a second one ends the process at once
            context.Cancel = true;
            _cancel.Cancel();
            string what = context.Signal == PosixSignal.SIGINT ? "Ctrl-C" : context.Signal.ToString();
            Console.Error.WriteLine($"moe: {what}: stopping after this step and {after} ({what} again to quit at once)");
        }
        _onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStopSignal);
        _onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnStopSignal);
    }

    public CancellationToken Token => _cancel.Token;

    public void Dispose()
    {
        _onInterrupt.Dispose();
        _onTerminate.Dispose();
        _cancel.Dispose();
    }
}
