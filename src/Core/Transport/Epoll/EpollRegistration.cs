namespace FastProxy.Core.Transport.Epoll;

/// <summary>
/// A socket's entry in an <see cref="EpollLoop"/> (a value: no object per connection). Disposing frees
/// the entry without an epoll_ctl call: the kernel drops the socket from the epoll set when it is closed,
/// and a late EPOLL_CTL_DEL could hit another socket that reused the descriptor number. Disposing twice is
/// harmless (the slot's generation no longer matches).
/// </summary>
internal readonly struct EpollRegistration : IDisposable
{
    private readonly EpollLoop? _loop;
    private readonly ulong _key;

    public EpollRegistration(EpollLoop loop, ulong key)
    {
        _loop = loop;
        _key = key;
    }

    /// <summary>The loop whose thread runs the socket's handler; null for a registration never made.</summary>
    public EpollLoop? Loop => _loop;

    /// <summary>The key the socket's events carry (slot and generation).</summary>
    public ulong Key => _key;

    public void Dispose() => _loop?.Remove(_key);
}
