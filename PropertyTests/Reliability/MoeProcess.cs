// MoeProcess: the built `moe` (moe.dll beside the tests) run as a child process, the way a person
// runs it: `dotnet moe.dll <args>`, stdout and stderr captured, the exit code. Run waits for the
// end; Start returns at once, for the tests that stop a run from outside: wait for a line of its
// output, send it a signal (SIGINT, SIGTERM) or kill it (SIGKILL), then collect what it printed.
// Arguments are split at single spaces (the tests' paths have none). Children start with SIGINT and
// SIGTERM at their default dispositions (`env --default-signal`): a test runner started as a
// background job ignores SIGINT, and a child would inherit that and ignore Ctrl-C.
// Not a general process library: Linux only (signals through libc kill).
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MoeFromScratch.PropertyTests.Reliability;

internal sealed partial class MoeProcess : IDisposable
{
    public const int SigInt = 2, SigKill = 9, SigTerm = 15;
    // A hang guard, not a timing: the whole suite on 2 shared cores runs a 300-step tiny run in minutes.
    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(10);

    private readonly Process _process;
    private readonly BlockingCollection<string> _stdoutLines = [];
    private readonly System.Text.StringBuilder _stdout = new(), _stderr = new();
    private readonly TaskCompletionSource _stdoutClosed = new(), _stderrClosed = new();

    public string Args { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    private MoeProcess(string args, IReadOnlyDictionary<string, string>? environment, string? shellPrefix, IReadOnlyList<string>? launcher)
    {
        Args = args;
        string moe = Path.Combine(AppContext.BaseDirectory, "moe.dll");
        var start = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            Environment = { ["XDG_CACHE_HOME"] = Path.GetTempPath() },
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        start.ArgumentList.Add("--default-signal=INT,TERM");
        if (shellPrefix is not null)   // sh -c '<prefix>; exec "$0" "$@"' dotnet moe.dll args...
        {
            start.ArgumentList.Add("sh");
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add($"{shellPrefix}; exec \"$0\" \"$@\"");
        }
        foreach (var word in launcher ?? []) start.ArgumentList.Add(word);   // e.g. /usr/bin/time -o FILE, or mpiexec -n 2
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(moe);
        foreach (var arg in args.Split(' ', StringSplitOptions.RemoveEmptyEntries)) start.ArgumentList.Add(arg);

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Received(e.Data, _stdout, _stdoutClosed, _stdoutLines);
        _process.ErrorDataReceived += (_, e) => Received(e.Data, _stderr, _stderrClosed, null);
        _process.Start();
        _process.StandardInput.Close();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private static void Received(string? line, System.Text.StringBuilder all, TaskCompletionSource closed, BlockingCollection<string>? lines)
    {
        if (line is null)
        {
            closed.TrySetResult();
            lines?.CompleteAdding();
            return;
        }
        lock (all) all.Append(line).Append('\n');
        lines?.Add(line);
    }

    /// <summary>Starts `moe args`; shellPrefix runs in sh first (e.g. "ulimit -f 1024"); launcher words go before `dotnet moe.dll` (e.g. /usr/bin/time, mpiexec -n 2).</summary>
    public static MoeProcess Start(string args, IReadOnlyDictionary<string, string>? environment = null, string? shellPrefix = null, IReadOnlyList<string>? launcher = null) =>
        new(args, environment, shellPrefix, launcher);

    /// <summary>Runs `moe args` to the end.</summary>
    public static Exit Run(string args, IReadOnlyDictionary<string, string>? environment = null, string? shellPrefix = null, TimeSpan? timeout = null,
        IReadOnlyList<string>? launcher = null)
    {
        using var process = Start(args, environment, shellPrefix, launcher);
        return process.WaitForExit(timeout);
    }

    /// <summary>Blocks until a stdout line matches; fails the test (with all output) if the process ends or time runs out first.</summary>
    public string WaitForLine(Func<string, bool> match, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? Patience;
        while (deadline.Elapsed < limit)
        {
            var left = limit - deadline.Elapsed;
            if (left <= TimeSpan.Zero || !_stdoutLines.TryTake(out var line, left)) break;
            if (match(line)) return line;
        }
        Assert.Fail($"moe {Args}: no such line within {limit.TotalSeconds} s (exited: {HasExited}){Environment.NewLine}{Output}");
        return "";
    }

    /// <summary>kill(pid, signal): SigInt is Ctrl-C, SigKill cannot be caught.</summary>
    public void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Waits for the end (failing the test after timeout) and returns what the process printed.</summary>
    public Exit WaitForExit(TimeSpan? timeout = null)
    {
        var limit = timeout ?? Patience;
        if (!_process.WaitForExit(limit))
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"moe {Args}: no exit within {limit.TotalSeconds} s{Environment.NewLine}{Output}");
        }
        Task.WaitAll([_stdoutClosed.Task, _stderrClosed.Task], limit);
        return new Exit(_process.ExitCode, Text(_stdout), Text(_stderr));
    }

    private string Output => $"stdout:{Environment.NewLine}{Text(_stdout)}stderr:{Environment.NewLine}{Text(_stderr)}";

    private static string Text(System.Text.StringBuilder builder)
    {
        lock (builder) return builder.ToString();
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
        _stdoutLines.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>How a run ended: its exit code and everything it printed.</summary>
    public sealed record Exit(int Code, string Stdout, string Stderr)
    {
        public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        /// <summary>Asserts a refused command: exit 1, one stderr line `moe: error: start…`, no stack trace.</summary>
        public void AssertOneLineError(string start)
        {
            Assert.True(Code == 1, ToString());
            Assert.True(StderrLines.Length == 1, ToString());
            Assert.StartsWith($"moe: error: {start}", StderrLines[0]);
            Assert.DoesNotContain("   at ", Stderr);
        }

        public override string ToString() => $"exit {Code}{Environment.NewLine}stdout:{Environment.NewLine}{Stdout}stderr:{Environment.NewLine}{Stderr}";
    }
}
