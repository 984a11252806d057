namespace FastProxy.Core.Splicing;

/// <summary>How a two-way splice ended, blaming a side for every failure (YARP's StreamCopier).</summary>
public enum SpliceResult : byte
{
    /// <summary>One side closed cleanly and the other direction was finished.</summary>
    Success,
    DownstreamError,
    UpstreamError,
    Canceled,
}
