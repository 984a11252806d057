namespace FastProxy.Core.Transport.Epoll;

/// <summary>
/// A socket's entry in an <see cref="EpollLoop"/>. Disposing frees the entry without an epoll_ctl call:
/// the kernel drops the socket from the epoll set when it is closed, and a late EPOLL_CTL_DEL could hit
/// another socket that reused the descriptor number.
/// </summary>
internal sealed class EpollRegistration : IDisposable
{
    private readonly EpollLoop _loop;
    private readonly ulong _key;
    private int _disposed;

    public EpollRegistration(EpollLoop loop, ulong key)
    {
        _loop = loop;
        _key = key;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _loop.Remove(_key);
        }
    }
}
