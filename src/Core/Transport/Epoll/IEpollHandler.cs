namespace FastProxy.Core.Transport.Epoll;

/// <summary>Receives a registered socket's readiness events on the engine's thread.</summary>
internal interface IEpollHandler
{
    /// <summary>
    /// The socket became ready (<paramref name="events"/> is the epoll mask). Runs inline on an engine
    /// thread: keep it short or hand work off. May be called spuriously (an event of a registration that
    /// was just removed): handlers treat it as a hint and find out from the socket itself.
    /// </summary>
    void OnEpollEvents(uint events);
}
