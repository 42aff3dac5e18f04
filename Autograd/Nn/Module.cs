// Module: the base of every layer. It finds its parameters by reflection — fields and auto-
// properties of type Parameter, Module, or a list/array of either — and names them the way
// PyTorch / Hugging Face checkpoints do: the member name in snake_case, list entries by position,
// joined by dots (UpProj -> up_proj; Layers[0].Mlp.Experts[3].UpProj.Weight ->
// "layers.0.mlp.experts.3.up_proj.weight"). No registration ritual; [StateName("...")] overrides
// a name where the convention does not fit. Not here: buffers, hooks, train/eval modes.
using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text;

namespace MoeFromScratch.Autograd;

/// <summary>Overrides the snake_case name a Module member gets in NamedParameters().</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class StateNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

// The annotation makes the trimmer keep every field and property of Module and of every type derived
// from it, which is exactly what the reflection walk below reads (so `moe` can be published trimmed).
[DynamicallyAccessedMembers(ModuleMembers)]
public abstract class Module
{
    private const DynamicallyAccessedMemberTypes ModuleMembers =
        DynamicallyAccessedMemberTypes.PublicFields | DynamicallyAccessedMemberTypes.NonPublicFields
        | DynamicallyAccessedMemberTypes.PublicProperties | DynamicallyAccessedMemberTypes.NonPublicProperties;

    /// <summary>Every parameter with its dotted name, in declaration order; a shared parameter appears once.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters()
    {
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var (name, p) in Walk(this, ""))
            if (seen.Add(p)) yield return (name, p);
    }

    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(np => np.Parameter);

    /// <summary>Zeroes every parameter's gradient (in place; the buffers are kept).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.ZeroGrad();
    }

    private static IEnumerable<(string, Parameter)> Walk(object value, string name)
    {
        switch (value)
        {
            case Parameter p:
                yield return (name, p);
                break;
            case Module m:
                foreach (var (member, child) in Members(m))
                    foreach (var entry in Walk(child, Join(name, member))) yield return entry;
                break;
            case IEnumerable list and not string:
                int i = 0;
                foreach (var item in list)
                {
                    if (item is not null)
                        foreach (var entry in Walk(item, Join(name, i.ToString()))) yield return entry;
                    i++;
                }
                break;
        }
    }

    // Instance fields from the base class down, in declaration order; an auto-property shows up as
    // its backing field "<Name>k__BackingField". Only members that can hold parameters are kept.
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Every type walked derives from Module, whose [DynamicallyAccessedMembers] keeps all fields and properties of derived types.")]
    private static IEnumerable<(string, object)> Members(Module module)
    {
        var types = new Stack<Type>();
        for (var t = module.GetType(); t is not null && t != typeof(Module); t = t.BaseType) types.Push(t);
        foreach (var type in types)
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                         .OrderBy(f => f.MetadataToken))
            {
                if (!HoldsParameters(field.FieldType) || field.GetValue(module) is not { } value) continue;
                yield return (StateName(type, field), value);
            }
    }

    private static bool HoldsParameters(Type type) =>
        typeof(Parameter).IsAssignableFrom(type) || typeof(Module).IsAssignableFrom(type)
        || (typeof(IEnumerable).IsAssignableFrom(type) && type != typeof(string)
            && (type.IsArray ? HoldsParameters(type.GetElementType()!) : type.GetGenericArguments().Any(HoldsParameters)));

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "type derives from Module, whose [DynamicallyAccessedMembers] keeps its properties.")]
    private static string StateName(Type type, FieldInfo field)
    {
        string name = field.Name;
        MemberInfo member = field;
        if (name.StartsWith('<') && name.IndexOf('>') is > 0 and var end) // auto-property backing field
        {
            name = name[1..end];
            member = type.GetProperty(name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly) ?? member;
        }
        return member.GetCustomAttribute<StateNameAttribute>()?.Name ?? SnakeCase(name.TrimStart('_'));
    }

    /// <summary>UpProj -> up_proj, QProj -> q_proj, MLPRatio -> mlp_ratio, layers -> layers.</summary>
    public static string SnakeCase(string name)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            bool boundary = i > 0 && char.IsUpper(c)
                && (!char.IsUpper(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1])));
            if (boundary) sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";
}
