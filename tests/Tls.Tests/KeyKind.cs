namespace FastProxy.Tls.Tests;

public enum KeyKind
{
    EcdsaP256,
    Rsa2048,
}
