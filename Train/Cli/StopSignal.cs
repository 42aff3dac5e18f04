// StopSignal: Ctrl-C (SIGINT) or SIGTERM asks for a clean stop at the next step boundary — the
// trainer then saves a checkpoint — and a second one ends the process at once (the handler lets the
// runtime's default action through). `moe train`, `moe sft` (through TrainLoop) and `moe experiment` share it,
// and so one exit code: a command stopped cleanly by a signal exits 128 + its number, as a shell reports
// a command that signal ended (130 for Ctrl-C, 143 for SIGTERM), so scripts can tell a stop from the end.
// Not here: what stopping means for a command (the Trainer's checkpoint, the experiment's rerun).
using System.Runtime.InteropServices;

namespace MoeFromScratch.Train.Cli;

public sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly PosixSignalRegistration _onInterrupt, _onTerminate;
    private int _signalNumber;   // 0 until a stop signal came

    private const int SigInt = 2, SigTerm = 15;

    /// <param name="after">What the command does before it stops, for the message (e.g. "saving a checkpoint").</param>
    public StopSignal(string after)
    {
        void OnStopSignal(PosixSignalContext context)
        {
            if (_cancel.IsCancellationRequested) return;   // a second one ends the process at once
            context.Cancel = true;
            _signalNumber = context.Signal == PosixSignal.SIGINT ? SigInt : SigTerm;
            _cancel.Cancel();
            string what = context.Signal == PosixSignal.SIGINT ? "Ctrl-C" : context.Signal.ToString();
            Console.Error.WriteLine($"moe: {what}: stopping after this step and {after} ({what} again to quit at once)");
        }
        _onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStopSignal);
        _onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnStopSignal);
    }

    public CancellationToken Token => _cancel.Token;

    /// <summary>The exit code of a command this signal stopped cleanly: 128 + the signal's number; 0 when none came.</summary>
    public int ExitCode => _signalNumber == 0 ? 0 : 128 + _signalNumber;

    public void Dispose()
    {
        _onInterrupt.Dispose();
        _onTerminate.Dispose();
        _cancel.Dispose();
    }
}
