// TokenFile: a tokenised corpus on disk, read through a memory map so a training run touches
// only the windows it samples. Layout, little-endian:
//   bytes 0..7   magic "MOETOKEN"
//   bytes 8..11  format version (1)
//   bytes 12..15 bytes per element: 1 (vocab <= 256), 2 (uint16, vocab <= 65536) or 4 (int32)
//   bytes 16..19 vocabulary size (ids are in 0..vocab-1)
//   bytes 20..23 reserved, 0
//   bytes 24..31 element count
//   bytes 32..   the elements
// The same format holds token ids (*.tokens) and the text kind of each token (*.kinds, 1 byte).
// It is not compressed and not sharded: a 30 MB corpus is ~15 MB of uint16 ids.
// Follows the spirit of nanoGPT's train.bin / llm.c's *.bin token files, plus a header.
using System.IO.MemoryMappedFiles;
using MoeFromScratch.Model;
using MoeFromScratch.Tensors;

namespace MoeFromScratch.Train.Data;

public sealed unsafe class TokenFile : IDisposable
{
    public const int HeaderBytes = 32;
    private static readonly byte[] Magic = "MOETOKEN"u8.ToArray();

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _elements;

    public string Path { get; }
    public long Count { get; }
    public int VocabSize { get; }
    public int BytesPerElement { get; }

    private TokenFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, long count, int vocabSize, int width)
    {
        (Path, _map, _view, Count, VocabSize, BytesPerElement) = (path, map, view, count, vocabSize, width);
        byte* start = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
        _elements = start + view.PointerOffset + HeaderBytes;
    }

    public static int WidthFor(int vocabSize) => vocabSize <= 256 ? 1 : vocabSize <= 65536 ? 2 : 4;

    // Memory-mapped, so no bound but the header's count, which must match the size exactly.
    private static readonly RegularFile.Kind FileKind = new(UserErrorKind.Data, "a token file", long.MaxValue, m => new DataException(m));

    public static TokenFile Open(string path)
    {
        long length = RegularFile.Check(path, FileKind);   // before opening: a FIFO would block
        if (length < HeaderBytes) throw new DataException($"{path}: {length} bytes is shorter than the {HeaderBytes}-byte token file header");
        var header = new byte[HeaderBytes];
        UserFiles.Read(path, UserErrorKind.Data, () =>
        {
            using var stream = File.OpenRead(path);
            return stream.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: true);
        });
        if (!header.AsSpan(0, 8).SequenceEqual(Magic)) throw new DataException($"{path}: not a token file (expected magic \"MOETOKEN\")");
        int version = BitConverter.ToInt32(header, 8), width = BitConverter.ToInt32(header, 12), vocab = BitConverter.ToInt32(header, 16);
        long count = BitConverter.ToInt64(header, 24);
        if (version != 1) throw new DataException($"{path}: token file version {version}, expected 1");
        if (vocab < 1) throw new DataException($"{path}: vocabulary size {vocab}, expected at least 1");
        if (width != WidthFor(vocab)) throw new DataException($"{path}: {width} bytes per element for vocab {vocab}, expected {WidthFor(vocab)}");
        // count is bounded by the file before it is multiplied, so a lying header cannot overflow.
        if (count < 0 || count > (length - HeaderBytes) / width || HeaderBytes + count * width != length)
            throw new DataException($"{path}: header says {count} elements of {width} bytes but the file has {length} bytes");
        // An empty map is not allowed, but a header-only file maps fine (length >= 32).
        var file = UserFiles.Read(path, UserErrorKind.Data, () =>
        {
            var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            return new TokenFile(path, map, map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read), count, vocab, width);
        });
        long bad = file.FirstOutsideVocab();
        if (bad < 0) return file;
        int id = file.Element(bad);
        file.Dispose();
        throw new DataException($"{path}: element {bad} is {id}, outside the vocabulary 0..{vocab - 1}");
    }

    // Ids feed embedding lookups (a GPU gather does not check bounds), so every one is checked once here.
    private long FirstOutsideVocab()
    {
        if (VocabSize >= 1L << (8 * BytesPerElement) && BytesPerElement < 4) return -1; // every value fits
        for (long i = 0; i < Count; i++)
            if ((uint)Element(i) >= (uint)VocabSize) return i;
        return -1;
    }

    public int this[long index]
    {
        get
        {
            if ((ulong)index >= (ulong)Count) throw new ArgumentOutOfRangeException(nameof(index), $"index {index} outside 0..{Count - 1} of {Path}");
            return Element(index);
        }
    }

    /// <summary>Copies elements [start, start + destination.Length) into <paramref name="destination"/>.</summary>
    public void Read(long start, Span<int> destination)
    {
        if (start < 0 || start + destination.Length > Count)
            throw new ArgumentOutOfRangeException(nameof(start), $"window {start}..{start + destination.Length} outside 0..{Count} of {Path}");
        for (int i = 0; i < destination.Length; i++) destination[i] = Element(start + i);
    }

    private int Element(long i) => BytesPerElement switch
    {
        1 => _elements[i],
        2 => ((ushort*)_elements)[i],
        _ => ((int*)_elements)[i],
    };

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    /// <summary>Writes a token file atomically from a sequence of element batches.</summary>
    public static void Write(string path, int vocabSize, IEnumerable<int[]> batches) => AtomicFile.Write(path, stream =>
    {
        int width = WidthFor(vocabSize);
        stream.Write(new byte[HeaderBytes]);  // filled in once the count is known
        long count = 0;
        var buffer = new byte[1 << 16];
        foreach (var batch in batches)
        {
            for (int i = 0; i < batch.Length; i++)
            {
                if ((uint)batch[i] >= (uint)vocabSize) throw new ArgumentOutOfRangeException(nameof(batches), $"id {batch[i]} is outside vocab {vocabSize}");
                int at = (int)(count++ * width % buffer.Length);
                for (int b = 0; b < width; b++) buffer[at + b] = (byte)(batch[i] >> (8 * b));
                if (at + width == buffer.Length) stream.Write(buffer);
            }
        }
        stream.Write(buffer, 0, (int)(count * width % buffer.Length));
        stream.Position = 0;
        var header = new byte[HeaderBytes];
        Magic.CopyTo(header, 0);
        BitConverter.TryWriteBytes(header.AsSpan(8), 1);
        BitConverter.TryWriteBytes(header.AsSpan(12), width);
        BitConverter.TryWriteBytes(header.AsSpan(16), vocabSize);
        BitConverter.TryWriteBytes(header.AsSpan(24), count);
        stream.Write(header);
    });
}
