using FastProxy.Fuzz;
using SharpFuzz;

// FastProxy.Fuzz TARGET                  run under afl-fuzz (SharpFuzz's fork server; input on stdin/file from AFL++)
// FastProxy.Fuzz TARGET --replay PATH... run each file (or every file under each folder) once; exit 1 on a finding
if (args.Length == 0 || FuzzTargets.Find(args[0]) is not { } target)
{
    Console.Error.WriteLine("usage: FastProxy.Fuzz TARGET [--replay PATH...]");
    Console.Error.WriteLine("targets: " + string.Join(' ', FuzzTargets.All.Select(t => t.Name)));
    return 2;
}

if (args.Length > 1 && string.Equals(args[1], "--replay", StringComparison.Ordinal))
{
    // The instrumented assemblies record each branch in AFL++'s shared coverage map; outside afl-fuzz there is none,
    // so without a map of our own every instrumented branch writes through a null pointer.
    Replay.ProvideCoverageMap();
    return Replay.Run(target, args[2..], Console.Out);
}

Fuzzer.OutOfProcess.Run(stream =>
{
    using var memory = new MemoryStream();
    stream.CopyTo(memory);
    target.Run(memory.GetBuffer().AsSpan(0, (int)memory.Length));
});
return 0;
