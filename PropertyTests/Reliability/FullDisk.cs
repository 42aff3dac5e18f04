// FullDisk: a disk with a given number of free bytes, for AtomicFile.InjectWriteFaults. Every
// stream it wraps draws on the same budget; the write that crosses it writes what still fits and
// then throws IOException "No space left on device", the way write(2) fails with ENOSPC. With an
// endless budget it only counts, so a test can measure what a save writes.
namespace MoeFromScratch.PropertyTests.Reliability;

internal sealed class FullDisk(long freeBytes)
{
    public const string Message = "No space left on device";

    public long FreeBytes { get; } = freeBytes;

    public long Written { get; private set; }

    /// <summary>Where each file ended, counted from the first byte written through this disk.</summary>
    public List<long> FileEnds { get; } = [];

    public Stream Wrap(Stream file) => new Limited(file, this);

    private sealed class Limited(Stream inner, FullDisk disk) : Stream
    {
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            long fits = Math.Min(buffer.Length, disk.FreeBytes - disk.Written);
            inner.Write(buffer[..(int)fits]);
            disk.Written += fits;
            if (fits < buffer.Length) throw new IOException(Message);
        }

        public override void WriteByte(byte value) => Write([value]);

        public override void Flush() => inner.Flush();

        protected override void Dispose(bool disposing)
        {
            if (disposing) disk.FileEnds.Add(disk.Written);
            base.Dispose(disposing);
        }

        public override bool CanRead => false;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => true;
        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => inner.Position = value;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => inner.SetLength(value);
    }
}
