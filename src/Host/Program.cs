namespace FastProxy.Host;

internal static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("fastproxy: the command line is being wired; see README.md");
        return args.Length >= 0 ? 2 : 1;
    }
}
