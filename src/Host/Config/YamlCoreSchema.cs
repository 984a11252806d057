using System.Globalization;
using System.Text;

namespace FastProxy.Host.Config;

/// <summary>
/// Tag resolution for plain scalars, YAML 1.2.2 §10.3.2 (core schema): null, booleans, base 10/8/16
/// integers and floats; everything else (including YAML 1.1's yes/no/on/off) is a string.
/// </summary>
internal static class YamlCoreSchema
{
    /// <summary>Longest digit string converted; longer ones overflow every numeric config field anyway.</summary>
    private const int MaxNumberLength = 64;

    public static YamlScalarKind Classify(string value) => value switch
    {
        "" or "~" or "null" or "Null" or "NULL" => YamlScalarKind.Null,
        "true" or "True" or "TRUE" => YamlScalarKind.True,
        "false" or "False" or "FALSE" => YamlScalarKind.False,
        _ when IsInteger(value) || IsFloat(value) || IsSpecialFloat(value) => YamlScalarKind.Number,
        _ => YamlScalarKind.String,
    };

    /// <summary>Writes a core-schema number as JSON number text; false for .inf/.nan and out-of-range values.</summary>
    public static bool TryToJsonNumber(string value, out string json)
    {
        json = "";
        if (value.Length > MaxNumberLength || IsSpecialFloat(value))
        {
            return false;
        }

        if (value.StartsWith("0x", StringComparison.Ordinal))
        {
            if (!ulong.TryParse(value.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
            {
                return false;
            }

            json = hex.ToString(CultureInfo.InvariantCulture);
            return true;
        }

        if (value.StartsWith("0o", StringComparison.Ordinal))
        {
            ulong octal = 0;
            foreach (var c in value.AsSpan(2))
            {
                if (octal > (ulong.MaxValue >> 3))
                {
                    return false;
                }

                octal = (octal << 3) | (uint)(c - '0');
            }

            json = octal.ToString(CultureInfo.InvariantCulture);
            return true;
        }

        json = NormalizeDecimal(value);
        return true;
    }

    // [-+]? [0-9]+  |  0o [0-7]+  |  0x [0-9a-fA-F]+
    private static bool IsInteger(string value)
    {
        if (value.Length > 2 && value[0] == '0' && value[1] == 'o')
        {
            return AllOf(value.AsSpan(2), static c => c is >= '0' and <= '7');
        }

        if (value.Length > 2 && value[0] == '0' && value[1] == 'x')
        {
            return AllOf(value.AsSpan(2), char.IsAsciiHexDigit);
        }

        var digits = value.AsSpan(value.Length > 0 && value[0] is '-' or '+' ? 1 : 0);
        return digits.Length > 0 && AllOf(digits, char.IsAsciiDigit);
    }

    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    private static bool IsFloat(string value)
    {
        var i = 0;
        if (i < value.Length && value[i] is '-' or '+')
        {
            i++;
        }

        var intDigits = CountDigits(value, ref i);
        var fracDigits = 0;
        if (i < value.Length && value[i] == '.')
        {
            i++;
            fracDigits = CountDigits(value, ref i);
            if (intDigits == 0 && fracDigits == 0)
            {
                return false;
            }
        }
        else if (intDigits == 0)
        {
            return false;
        }

        if (i < value.Length && value[i] is 'e' or 'E')
        {
            i++;
            if (i < value.Length && value[i] is '-' or '+')
            {
                i++;
            }

            if (CountDigits(value, ref i) == 0)
            {
                return false;
            }
        }

        return i == value.Length;
    }

    private static bool IsSpecialFloat(string value)
    {
        var body = value.Length > 0 && value[0] is '-' or '+' ? value[1..] : value;
        return body is ".inf" or ".Inf" or ".INF" || value is ".nan" or ".NaN" or ".NAN";
    }

    /// <summary>"+007.50e3" -> "7.50e3", "-.5" -> "-0.5", "1." -> "1": JSON allows no '+', leading zeros, or bare '.'.</summary>
    private static string NormalizeDecimal(string value)
    {
        var builder = new StringBuilder(value.Length + 1);
        var i = 0;
        if (value[0] == '-')
        {
            builder.Append('-');
            i = 1;
        }
        else if (value[0] == '+')
        {
            i = 1;
        }

        var intStart = i;
        while (i < value.Length && char.IsAsciiDigit(value[i]))
        {
            i++;
        }

        var intPart = value.AsSpan(intStart, i - intStart).TrimStart('0');
        if (intPart.IsEmpty)
        {
            builder.Append('0');
        }
        else
        {
            builder.Append(intPart);
        }

        if (i < value.Length && value[i] == '.')
        {
            i++;
            var fracStart = i;
            while (i < value.Length && char.IsAsciiDigit(value[i]))
            {
                i++;
            }

            if (i > fracStart)
            {
                builder.Append('.').Append(value.AsSpan(fracStart, i - fracStart));
            }
        }

        // The exponent ([eE][-+]?[0-9]+) is already valid JSON as written.
        builder.Append(value.AsSpan(i));
        return builder.ToString();
    }

    private static int CountDigits(string value, ref int i)
    {
        var start = i;
        while (i < value.Length && char.IsAsciiDigit(value[i]))
        {
            i++;
        }

        return i - start;
    }

    private static bool AllOf(ReadOnlySpan<char> span, Func<char, bool> predicate)
    {
        foreach (var c in span)
        {
            if (!predicate(c))
            {
                return false;
            }
        }

        return true;
    }
}
