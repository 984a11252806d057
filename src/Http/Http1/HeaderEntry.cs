using System.Runtime.InteropServices;

namespace FastProxy.Http.Http1;

/// <summary>Where one field line's name and value (OWS trimmed) sit in the head buffer.</summary>
[StructLayout(LayoutKind.Auto)]
internal readonly record struct HeaderEntry(int NameStart, int NameLength, int ValueStart, int ValueLength, KnownHeader Known);
