using System.Text;

namespace FastProxy.Host.Tests.Logging;

/// <summary>A TextWriter whose writes wait until <see cref="Release"/>: a terminal or pipe that stopped reading.</summary>
internal sealed class BlockingWriter : TextWriter
{
    private readonly ManualResetEventSlim _gate = new(initialState: false);
    private readonly StringBuilder _text = new();
    private readonly Lock _lock = new();

    public override Encoding Encoding => Encoding.UTF8;

    public ManualResetEventSlim FirstWrite { get; } = new(initialState: false);

    public string Text
    {
        get
        {
            lock (_lock)
            {
                return _text.ToString();
            }
        }
    }

    public void Release() => _gate.Set();

    public override void Write(char value) => Write(value.ToString());

    public override void Write(string? value)
    {
        FirstWrite.Set();
        if (!_gate.Wait(TimeSpan.FromSeconds(10)))
        {
            throw new IOException("test writer was never released");
        }

        lock (_lock)
        {
            _text.Append(value);
        }
    }

    public override void Write(StringBuilder? value) => Write(value?.ToString());

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gate.Dispose();
            FirstWrite.Dispose();
        }

        base.Dispose(disposing);
    }
}
