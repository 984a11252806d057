namespace FastProxy.Core.Transport.Epoll;

/// <summary>
/// Bytes a connection flushed while its <see cref="EpollLoop"/> was dispatching a batch of events,
/// parked to be sent once the batch is done (<see cref="EpollLoop.DeferSend"/>).
/// </summary>
internal interface IDeferredSend
{
    /// <summary>Sends the parked bytes, if they are still parked (a later flush may have sent them already). Never throws.</summary>
    void SendDeferred();
}
