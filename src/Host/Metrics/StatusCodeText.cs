using System.Globalization;

namespace FastProxy.Host.Metrics;

/// <summary>
/// Status codes as label values, built once: the hot path indexes a slot and never formats an int.
/// Slots 0..499 are statuses 100..599; <see cref="OtherSlot"/> is "0" (no status was sent, the
/// connection broke first; anything outside 100..599 lands there too).
/// </summary>
internal static class StatusCodeText
{
    public const int MinStatus = 100;

    public const int MaxStatus = 599;

    public const int OtherSlot = MaxStatus - MinStatus + 1;

    public const int SlotCount = OtherSlot + 1;

    private static readonly string[] Text = Build();

    public static int SlotOf(int status) => (uint)(status - MinStatus) <= MaxStatus - MinStatus ? status - MinStatus : OtherSlot;

    public static string TextOf(int slot) => Text[slot];

    private static string[] Build()
    {
        var text = new string[SlotCount];
        for (var i = 0; i < OtherSlot; i++)
        {
            text[i] = (i + MinStatus).ToString(CultureInfo.InvariantCulture);
        }

        text[OtherSlot] = "0";
        return text;
    }
}
