namespace FastProxy.GrpcTestServer;

/// <summary>What the server saw, for tests to query through the Stats RPC: calls, completions and cancellations.</summary>
public sealed class ServerStats
{
    // Bounded: a long benchmark must not grow the list without end.
    private const int MaxCancellationsKept = 1000;

    private readonly Lock _lock = new();
    private readonly List<string> _cancelled = [];
    private int _calls;
    private int _completed;
    private int _cancellations;

    public void CallStarted()
    {
        lock (_lock)
        {
            _calls++;
        }
    }

    public void CallCompleted()
    {
        lock (_lock)
        {
            _completed++;
        }
    }

    public void CallCancelled(string method, string reason)
    {
        lock (_lock)
        {
            _cancellations++;
            if (_cancelled.Count < MaxCancellationsKept)
            {
                _cancelled.Add(method + ":" + reason);
            }
        }
    }

    public (int Calls, int Completed, int Cancellations, string[] Cancelled) Read(bool reset)
    {
        lock (_lock)
        {
            var result = (_calls, _completed, _cancellations, _cancelled.ToArray());
            if (reset)
            {
                _calls = 0;
                _completed = 0;
                _cancellations = 0;
                _cancelled.Clear();
            }

            return result;
        }
    }
}
