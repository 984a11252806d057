using System.Text;
using FastProxy.Core.Gate;

namespace FastProxy.Policy.Evaluation;

/// <summary>A set of request methods: a bit per known method plus raw bytes for others; empty = any.</summary>
internal sealed class MethodSet
{
    public static readonly MethodSet Any = new(true, 0, []);

    private MethodSet(bool any, uint known, byte[][] others)
    {
        IsAny = any;
        Known = known;
        Others = others;
    }

    public bool IsAny { get; }

    public uint Known { get; }

    public byte[][] Others { get; }

    public static MethodSet From(IReadOnlyList<string>? methods)
    {
        if (methods is null || methods.Count == 0)
        {
            return Any;
        }

        uint known = 0;
        var others = new List<byte[]>();
        foreach (var method in methods)
        {
            var bytes = Encoding.ASCII.GetBytes(method);
            var kind = RequestMethods.Parse(bytes);
            if (kind == RequestMethod.Other)
            {
                others.Add(bytes);
            }
            else
            {
                known |= 1u << (int)kind;
            }
        }

        return new MethodSet(false, known, [.. others]);
    }

    public bool Contains(RequestMethod method, ReadOnlySpan<byte> methodBytes)
    {
        if (IsAny)
        {
            return true;
        }

        if (method != RequestMethod.Other)
        {
            return (Known & (1u << (int)method)) != 0;
        }

        foreach (var other in Others)
        {
            if (methodBytes.SequenceEqual(other))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when every method of <paramref name="other"/> is in this set.</summary>
    public bool Covers(MethodSet other)
    {
        if (IsAny)
        {
            return true;
        }

        if (other.IsAny || (other.Known & ~Known) != 0)
        {
            return false;
        }

        foreach (var m in other.Others)
        {
            if (!Contains(RequestMethod.Other, m))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when no method is in both sets.</summary>
    public bool IsDisjointFrom(MethodSet other)
    {
        if (IsAny || other.IsAny || (Known & other.Known) != 0)
        {
            return false;
        }

        foreach (var m in other.Others)
        {
            if (Contains(RequestMethod.Other, m))
            {
                return false;
            }
        }

        return true;
    }
}
