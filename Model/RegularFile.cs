// RegularFile: the one guarded way the program reads a file a user named (config.json, safetensors,
// a shard index, tokenizer.json, --config FILE, --tokens FILE, --data text files, token files,
// trainer_state.json, `latest`, metrics.jsonl). Before anything is opened, the path must be a
// regular file (a FIFO would block the open until a writer came; /dev/zero never ends) no larger
// than what that kind of file can legitimately be (a huge sparse file is refused, not read). Reads
// never take more than the size checked, so a file that grows meanwhile cannot push us past it.
// The file type comes from statx(2) on Linux (its layout is the same on every architecture); where
// that is missing, a file of size 0 (which every FIFO and device reports) is read as empty, unopened.
// Failures are one-line MoeUserExceptions of the caller's kind naming the path (UserFiles turns the
// IO errors of the read itself into the same). Not a file API: parsing stays with each reader.
using System.Runtime.InteropServices;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Model;

/// <summary>Guarded reads of a user's file: a regular file, at most maxBytes, never blocking.</summary>
public static partial class RegularFile
{
    /// <summary>What the reader of one kind of file will accept: its error kind, a name for messages, the size bound,
    /// and the exception its reader throws (ModelConfigException, DataException, …; the base type when null).</summary>
    public sealed record Kind(UserErrorKind Error, string Name, long MaxBytes, Func<string, MoeUserException>? Exception = null);

    public const long KiB = 1L << 10, MiB = 1L << 20, GiB = 1L << 30;

    /// <summary>Checks path is a regular file within kind's bound and returns its size in bytes.</summary>
    public static long Check(string path, Kind kind)
    {
        var (type, size) = Stat(path);
        MoeUserException Fail(string problem)
        {
            string message = $"{path}: {problem}; expected {kind.Name}";
            return kind.Exception?.Invoke(message) ?? new MoeUserException(kind.Error, message);
        }
        if (type == FileType.Missing) throw Fail("no such file");
        if (type == FileType.Directory) throw Fail("is a folder");
        if (type != FileType.Regular) throw Fail($"is a {Describe(type)}, not a regular file");
        if (size > kind.MaxBytes) throw Fail($"{size:N0} bytes, more than {kind.MaxBytes:N0}");
        return size;
    }

    /// <summary>The whole file (checked first), read no further than its checked size.</summary>
    public static byte[] ReadAllBytes(string path, Kind kind)
    {
        long size = Check(path, kind);
        if (size == 0) return [];   // never opened: without statx, a FIFO or device looks like this
        return UserFiles.Read(path, kind.Error, () =>
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            var bytes = new byte[size];
            int read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            return read == bytes.Length ? bytes : bytes[..read];   // shrank meanwhile: what is there
        });
    }

    /// <summary>The whole file as UTF-8 text (a byte order mark is skipped).</summary>
    public static string ReadAllText(string path, Kind kind)
    {
        var bytes = ReadAllBytes(path, kind);
        var span = bytes.AsSpan();
        if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) span = span[3..];
        return System.Text.Encoding.UTF8.GetString(span);
    }

    /// <summary>A read-only stream on the file (checked first); its size is the returned stream's Length.</summary>
    public static FileStream OpenRead(string path, Kind kind, int bufferSize = 1 << 20)
    {
        Check(path, kind);
        return UserFiles.Read(path, kind.Error, () => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize));
    }

    private enum FileType { Missing, Regular, Directory, Fifo, CharacterDevice, BlockDevice, Socket, Other }

    private static string Describe(FileType type) => type switch
    {
        FileType.Fifo => "FIFO (named pipe)",
        FileType.CharacterDevice => "character device",
        FileType.BlockDevice => "block device",
        FileType.Socket => "socket",
        _ => "special file",
    };

    private static (FileType Type, long Size) Stat(string path)
    {
        if (StatxWorks && TryStatx(path, out var result)) return result;
        if (Directory.Exists(path)) return (FileType.Directory, 0);
        var info = new FileInfo(path);
        return info.Exists ? (FileType.Regular, info.Length) : (FileType.Missing, 0);
    }

    private static readonly bool StatxWorks = OperatingSystem.IsLinux() && TryStatx("/", out var root) && root.Type == FileType.Directory;

    // struct statx: stx_mode (u16) at byte 28, stx_size (u64) at byte 40, 256 bytes in all.
    private const int AtFdCwd = -100, StatxType = 0x1, StatxSize = 0x200, StatxBytes = 256, ModeOffset = 28, SizeOffset = 40;

    private static unsafe bool TryStatx(string path, out (FileType Type, long Size) result)
    {
        result = (FileType.Missing, 0);
        byte* buffer = stackalloc byte[StatxBytes];
        try
        {
            if (Statx(AtFdCwd, path, 0, StatxType | StatxSize, buffer) != 0)
                return Marshal.GetLastPInvokeError() is 2 or 20;   // ENOENT, ENOTDIR: missing
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
        int mode = *(ushort*)(buffer + ModeOffset) & 0xF000;
        long size = *(long*)(buffer + SizeOffset);
        var type = mode switch
        {
            0x8000 => FileType.Regular,
            0x4000 => FileType.Directory,
            0x1000 => FileType.Fifo,
            0x2000 => FileType.CharacterDevice,
            0x6000 => FileType.BlockDevice,
            0xC000 => FileType.Socket,
            _ => FileType.Other,
        };
        result = (type, size);
        return true;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, int mask, byte* buffer);
}
