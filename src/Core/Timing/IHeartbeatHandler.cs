namespace FastProxy.Core.Timing;

/// <summary>Something the <see cref="Heartbeat"/> visits once per tick (a connection with deadlines).</summary>
internal interface IHeartbeatHandler
{
    /// <summary>Called on the heartbeat's timer thread; must be cheap and must not throw.</summary>
    /// <param name="nowMilliseconds">The heartbeat's clock (<see cref="Heartbeat.NowMilliseconds"/>) at this tick.</param>
    void OnHeartbeat(long nowMilliseconds);
}
