namespace FastProxy.Policy.Evaluation;

/// <summary>
/// `{ time: { from: "08:00", to: "18:00", days: [mon, tue] } }`: a daily UTC window, [from, to);
/// from after to wraps past midnight (the day is the one the window starts on).
/// </summary>
internal sealed class TimeWindowRule : RuleNode
{
    private readonly int _fromMinute;
    private readonly int _toMinute;
    private readonly int _dayMask;
    private readonly string _text;

    public TimeWindowRule(int fromMinute, int toMinute, int dayMask, string text)
    {
        _fromMinute = fromMinute;
        _toMinute = toMinute;
        _dayMask = dayMask;
        _text = text;
    }

    public override bool Matches(in EvalContext context)
    {
        var now = new DateTime(context.NowUtcTicks, DateTimeKind.Utc);
        var minute = (now.Hour * 60) + now.Minute;
        var day = (int)now.DayOfWeek;
        if (_fromMinute <= _toMinute)
        {
            return minute >= _fromMinute && minute < _toMinute && (_dayMask & (1 << day)) != 0;
        }

        // Wrapping window: the evening part belongs to today, the early part to yesterday's window.
        if (minute >= _fromMinute)
        {
            return (_dayMask & (1 << day)) != 0;
        }

        return minute < _toMinute && (_dayMask & (1 << ((day + 6) % 7))) != 0;
    }

    public override string Describe() => _text;

    public override Tri Analyze(in RouteFacts facts) => _fromMinute == _toMinute || _dayMask == 0 ? Tri.Never : Tri.Depends;
}
