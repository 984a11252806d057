namespace FastProxy.Host.Tests.Audit;

/// <summary>
/// A schema 1 trail exactly as the v1 writer produced it (commit 28a682d, AuditTestRecords.Emit of an
/// allowed, a denied, an unrouted and a shadow request, rotated after two records): what an upgraded
/// proxy finds on disk and `audit verify` must keep accepting.
/// </summary>
internal static class AuditV1Fixture
{
    /// <summary>file_seq 0 (rotated away as `audit.000000.jsonl`).</summary>
    public static readonly string[] File0 =
    [
        """{"v":1,"time":"2026-11-29T04:00:00.001Z","file_seq":0,"seq":1,"request_id":"00000001","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","client":"192.0.2.7","client_cert":null,"principal":{"issuer":"https://idp.example","subject":"alice"},"protocol":"HTTP/1.1","method":"GET","host":"api.example.com","path":"/orders/7","truncated":false,"route":"orders-read","policy_version":"v1-abc","decision":"allow","reason":"allowed","rule":"routes[0].allow[0]","predicate":"claim roles contains orders.read","shadow":null,"status":200,"upstream":"10.0.1.5:8080","bytes_in":10,"bytes_out":2048,"duration_ms":1.234,"outcome":"forwarded","prev":"0000000000000000000000000000000000000000000000000000000000000000","hash":"6489613ddbd068f15667a1f1c08df9a173ffa779bf7eaf84aaa8c7d1a2f2fe44"}""",
        """{"v":1,"time":"2026-11-29T04:00:00.002Z","file_seq":0,"seq":2,"request_id":"00000002","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","client":"192.0.2.7","client_cert":null,"principal":{"issuer":"https://idp.example","subject":"bob"},"protocol":"HTTP/1.1","method":"GET","host":"api.example.com","path":"/orders/7","truncated":false,"route":"orders-read","policy_version":"v1-abc","decision":"deny","reason":"no_rule_matched","rule":null,"predicate":null,"shadow":null,"status":403,"upstream":null,"bytes_in":10,"bytes_out":2048,"duration_ms":1.234,"outcome":"denied","prev":"6489613ddbd068f15667a1f1c08df9a173ffa779bf7eaf84aaa8c7d1a2f2fe44","hash":"7ea0461e125f05b442b61a629ae1993c8574c4813c23c15c22bf807e1ecd0966"}""",
    ];

    /// <summary>file_seq 1 (the active file when the proxy was upgraded).</summary>
    public static readonly string[] File1 =
    [
        """{"v":1,"time":"2026-11-29T04:00:00.003Z","file_seq":1,"seq":1,"request_id":"00000003","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","client":"192.0.2.7","client_cert":null,"principal":null,"protocol":"HTTP/1.1","method":"GET","host":"api.example.com","path":"/orders/7","truncated":false,"route":null,"policy_version":null,"decision":"deny","reason":"none","rule":null,"predicate":null,"shadow":null,"status":404,"upstream":null,"bytes_in":10,"bytes_out":2048,"duration_ms":1.234,"outcome":"no_route","prev":"7ea0461e125f05b442b61a629ae1993c8574c4813c23c15c22bf807e1ecd0966","hash":"4eeb0463d7a358f7babe4ab9ba365d59cf687dc084453db73165464f6d45909b"}""",
        """{"v":1,"time":"2026-11-29T04:00:00.004Z","file_seq":1,"seq":2,"request_id":"00000004","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","client":"192.0.2.7","client_cert":null,"principal":{"issuer":"https://idp.example","subject":"carol"},"protocol":"HTTP/1.1","method":"GET","host":"api.example.com","path":"/orders/7","truncated":false,"route":"beta","policy_version":"v1-abc","decision":"allow","reason":"no_rule_matched","rule":null,"predicate":null,"shadow":{"verdict":"deny"},"status":200,"upstream":"10.0.1.5:8080","bytes_in":10,"bytes_out":2048,"duration_ms":1.234,"outcome":"forwarded","prev":"4eeb0463d7a358f7babe4ab9ba365d59cf687dc084453db73165464f6d45909b","hash":"1a384e269139b6fac0e231cf856325a7c24ad87ffe4e9e347ceb450d99f340d9"}""",
    ];

    /// <summary>Writes the two files under <paramref name="directory"/> as the file sink names them (rotated, then active).</summary>
    public static (string Rotated, string Active) WriteTrail(string directory)
    {
        var rotated = Path.Combine(directory, "audit.000000.jsonl");
        var active = Path.Combine(directory, "audit.jsonl");
        AuditTestRecords.WriteLines(rotated, File0);
        AuditTestRecords.WriteLines(active, File1);
        return (rotated, active);
    }
}
