namespace FastProxy.Core.Tests.Transport;

/// <summary>
/// Memory measurements run alone: other tests allocating in parallel (multi-MiB payloads) would
/// show up in the process RSS and make the numbers meaningless.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasurementGroup
{
    public const string Name = "Measurement (not parallel)";
}
