namespace FastProxy.Http.Http2.Client;

/// <summary>What a connection tells its pool.</summary>
internal interface IHttp2UpstreamConnectionOwner
{
    /// <summary>A stream was released: there is room again (or a draining connection may now close).</summary>
    void OnStreamReturned(Http2UpstreamConnection connection);

    /// <summary>The upstream's SETTINGS may have changed how many streams the connection takes.</summary>
    void OnRoomChanged(Http2UpstreamConnection connection);

    /// <summary>GOAWAY arrived: no new streams here.</summary>
    void OnDraining(Http2UpstreamConnection connection);

    /// <summary>The connection closed; called once.</summary>
    void OnClosed(Http2UpstreamConnection connection);
}
