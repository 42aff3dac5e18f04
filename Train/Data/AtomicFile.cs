// AtomicFile for the Train project: the same writer as Model/AtomicFile (temporary file in the same
// folder, flush to disk, rename over the target; readers never see a half-written file, a killed
// run leaves only a stray hidden ".name.pid.guid.tmp" file), under the name Train code already uses.
namespace MoeFromScratch.Train.Data;

public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write) => Model.AtomicFile.Write(path, write);

    public static void WriteAllText(string path, string text) => Model.AtomicFile.WriteAllText(path, text);
}
