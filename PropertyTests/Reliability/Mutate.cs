// Mutate: the ways a valid input file is damaged for fuzzing, shared by every input kind: raw byte
// damage (flips, insertions, deletions, truncation, duplication) and structural JSON damage (a
// random node removed, retyped, set to an extreme value, or given an unknown sibling). A mutation
// is chosen by a Random, so a case is replayed from its seed.
// Not a grammar-aware generator: the valid file each kind starts from carries the structure.
using System.Text.Json.Nodes;

namespace MoeFromScratch.PropertyTests.Reliability;

internal static class Mutate
{
    /// <summary>1-4 random byte-level edits of a copy of valid.</summary>
    public static byte[] Bytes(byte[] valid, Random random)
    {
        var bytes = new List<byte>(valid);
        int edits = random.Next(1, 5);
        for (int e = 0; e < edits; e++)
        {
            int at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0 when bytes.Count > 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 1 when bytes.Count > 0: bytes[at] = (byte)random.Next(256); break;
                case 2: bytes.InsertRange(at, RandomBytes(random, random.Next(1, 9))); break;
                case 3 when bytes.Count > 0: bytes.RemoveRange(at, Math.Min(bytes.Count - at, random.Next(1, 17))); break;
                case 4: bytes.RemoveRange(at, bytes.Count - at); break;                        // truncate
                case 5 when bytes.Count > 0: bytes.InsertRange(at, bytes.GetRange(at, Math.Min(bytes.Count - at, 64))); break;
            }
        }
        return [.. bytes];
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>1-3 structural edits at random nodes of a deep copy of valid.</summary>
    public static JsonNode Json(JsonNode valid, Random random)
    {
        var root = valid.DeepClone();
        int edits = random.Next(1, 4);
        for (int e = 0; e < edits; e++) Edit(root, random);
        return root;
    }

    private static void Edit(JsonNode root, Random random)
    {
        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        var node = nodes[random.Next(nodes.Count)];
        var parent = node.Parent;
        switch (random.Next(5))
        {
            case 0 when parent is JsonObject o: o.Remove(node.GetPropertyName()); break;
            case 1 when parent is JsonArray a: a.Remove(node); break;
            case 2 when node is JsonObject o: o[$"unknown_{random.Next(100)}"] = Value(random); break;
            case 3 when node is JsonArray a: a.Add(Value(random)); break;
            default: Replace(node, Value(random)); break;
        }
    }

    private static void Replace(JsonNode node, JsonNode? value)
    {
        switch (node.Parent)
        {
            case JsonObject o: o[node.GetPropertyName()] = value; break;
            case JsonArray a: a[node.GetElementIndex()] = value; break;
        }
    }

    private static void Collect(JsonNode? node, List<JsonNode> into)
    {
        if (node is null) return;
        into.Add(node);
        if (node is JsonObject o) foreach (var (_, child) in o) Collect(child, into);
        if (node is JsonArray a) foreach (var child in a) Collect(child, into);
    }

    /// <summary>A value of a random type, biased towards the edges: 0, -1, int and long limits, huge, fractional.</summary>
    public static JsonNode? Value(Random random) => random.Next(14) switch
    {
        0 => null,
        1 => JsonValue.Create(0),
        2 => JsonValue.Create(-1),
        3 => JsonValue.Create(int.MaxValue),
        4 => JsonValue.Create(long.MaxValue),
        5 => JsonValue.Create(1e300),
        6 => JsonValue.Create(0.5),
        7 => JsonValue.Create(random.Next(-3, 70)),
        8 => JsonValue.Create(random.Next(2) == 0),
        9 => JsonValue.Create(new string('x', random.Next(4))),
        10 => JsonValue.Create("F32"),
        11 => new JsonArray(JsonValue.Create(random.Next(-2, 9)), JsonValue.Create(random.Next(-2, 9))),
        12 => new JsonObject(),
        _ => JsonValue.Create((long)uint.MaxValue + random.Next(3)),
    };
}
