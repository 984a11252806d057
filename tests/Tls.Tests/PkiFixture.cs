using System.Security.Cryptography.X509Certificates;

namespace FastProxy.Tls.Tests;

/// <summary>
/// One small PKI per test class: a root, an intermediate under it, and a second unrelated root
/// ("another CA"). Leaves are issued by the tests themselves.
/// </summary>
public sealed class PkiFixture : IDisposable
{
    public PkiFixture()
    {
        Root = TestPki.CreateRoot("FastProxy Test Root");
        Intermediate = TestPki.CreateIntermediate(Root, "FastProxy Test Intermediate");
        OtherRoot = TestPki.CreateRoot("Another CA");
    }

    public X509Certificate2 Root { get; }

    public X509Certificate2 Intermediate { get; }

    public X509Certificate2 OtherRoot { get; }

    public void Dispose()
    {
        Root.Dispose();
        Intermediate.Dispose();
        OtherRoot.Dispose();
    }
}
