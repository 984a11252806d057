using FastProxy.Host.Cli;

namespace FastProxy.Host.Tests.Cli;

public class CliParserTests
{
    [Fact]
    public void Parse_RunWithEveryFlag_AllValuesSet()
    {
        var cli = Ok(
            "run", "--config", "f.yaml", "--listen", "0.0.0.0:8080", "--listen", "[::]:8080", "--max-connections", "100",
            "--header-timeout", "1.5", "--idle-timeout", "30", "--connect-timeout", "2", "--response-timeout", "15",
            "--drain-timeout", "0", "--max-header-bytes", "4096", "--token-cache-size", "0", "--log-level", "debug",
            "--admin", "127.0.0.1:9901");

        Assert.Equal(CliCommand.Run, cli.Command);
        Assert.Equal("f.yaml", cli.ConfigPath);
        Assert.Equal(["0.0.0.0:8080", "[::]:8080"], cli.Listen);
        Assert.Equal(100, cli.MaxConnections);
        Assert.Equal(1.5, cli.HeaderTimeoutSeconds);
        Assert.Equal(30, cli.IdleTimeoutSeconds);
        Assert.Equal(2, cli.ConnectTimeoutSeconds);
        Assert.Equal(15, cli.ResponseTimeoutSeconds);
        Assert.Equal(0, cli.DrainTimeoutSeconds);
        Assert.Equal(4096, cli.MaxHeaderBytes);
        Assert.Equal(0, cli.TokenCacheSize);
        Assert.Equal("debug", cli.LogLevel);
        Assert.Equal("127.0.0.1:9901", cli.AdminAddress);
    }

    [Fact]
    public void Parse_EqualsForm_SameAsSeparateValue()
    {
        var separate = Ok("--config", "f.yaml", "--max-connections", "7", "--header-timeout", "3", "--listen", "127.0.0.1:1");
        var equals = Ok("--config=f.yaml", "--max-connections=7", "--header-timeout=3", "--listen=127.0.0.1:1");

        Assert.Equal(separate.ConfigPath, equals.ConfigPath);
        Assert.Equal(separate.MaxConnections, equals.MaxConnections);
        Assert.Equal(separate.HeaderTimeoutSeconds, equals.HeaderTimeoutSeconds);
        Assert.Equal(separate.Listen, equals.Listen);
    }

    [Fact]
    public void Parse_EqualsFormWithEqualsInValue_KeepsRest()
    {
        var cli = Ok("policy", "explain", "--config=f.yaml", "--request=GET https://x/a?b=c", "--token=a.b.c==");

        Assert.Equal("GET https://x/a?b=c", cli.ExplainRequest);
        Assert.Equal("a.b.c==", cli.ExplainToken);
    }

    [Fact]
    public void Parse_OptionsOnly_DefaultsToRun()
    {
        Assert.Equal(CliCommand.Run, Ok("--config", "f.yaml").Command);
    }

    [Fact]
    public void Parse_Check_AcceptsServeFlags()
    {
        var cli = Ok("check", "--config", "f.yaml", "--max-header-bytes", "2048");

        Assert.Equal(CliCommand.Check, cli.Command);
        Assert.Equal(2048, cli.MaxHeaderBytes);
    }

    [Fact]
    public void Parse_Demo_ListenAndLogLevel()
    {
        var cli = Ok("demo", "--listen", "127.0.0.1:0", "--log-level", "warning");

        Assert.Equal(CliCommand.Demo, cli.Command);
        Assert.Equal(["127.0.0.1:0"], cli.Listen);
        Assert.Null(cli.ConfigPath);
    }

    [Fact]
    public void Parse_DemoWithoutFlags_Ok()
    {
        Assert.Equal(CliCommand.Demo, Ok("demo").Command);
    }

    [Fact]
    public void Parse_PolicyTest_FileTaken()
    {
        var cli = Ok("policy", "test", "policy.yaml");

        Assert.Equal(CliCommand.PolicyTest, cli.Command);
        Assert.Equal("policy.yaml", cli.PolicyFile);
    }

    [Fact]
    public void Parse_PolicyExplainWithClaims_Parsed()
    {
        var cli = Ok("policy", "explain", "--config", "f.yaml", "--request", "GET https://api.example.com/orders/7", "--claims", "{\"roles\":[\"orders.read\"]}");

        Assert.Equal(CliCommand.PolicyExplain, cli.Command);
        Assert.Equal("GET https://api.example.com/orders/7", cli.ExplainRequest);
        Assert.Equal("{\"roles\":[\"orders.read\"]}", cli.ExplainClaims);
        Assert.Null(cli.ExplainToken);
    }

    [Fact]
    public void Parse_PolicyExplainAnonymous_Ok()
    {
        Assert.Null(Ok("policy", "explain", "--config", "f.yaml", "--request", "GET /health").ExplainToken);
    }

    [Fact]
    public void Parse_AuditVerify_AllFiles()
    {
        var cli = Ok("audit", "verify", "a.log", "b.log", "--", "-odd.log");

        Assert.Equal(CliCommand.AuditVerify, cli.Command);
        Assert.Equal(["a.log", "b.log", "-odd.log"], cli.AuditFiles);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    [InlineData("run", "--config", "f.yaml", "--help")]
    [InlineData("policy", "--help")]
    [InlineData("--bogus", "-h")]
    public void Parse_HelpAnywhere_Help(params string[] args)
    {
        Assert.Equal(CliCommand.Help, Ok(args).Command);
    }

    [Theory]
    [InlineData("--version")]
    [InlineData("version")]
    public void Parse_Version_Version(params string[] args)
    {
        Assert.Equal(CliCommand.Version, Ok(args).Command);
    }

    [Theory]
    [InlineData("missing --config", new string[0])]
    [InlineData("unknown command 'serve'", new[] { "serve" })]
    [InlineData("unknown option '--confg'", new[] { "--confg", "f.yaml" })]
    [InlineData("unknown option '-c'", new[] { "-c", "f.yaml" })]
    [InlineData("'--config' needs a value", new[] { "--config" })]
    [InlineData("'--config' needs a value", new[] { "--config", "--listen", "127.0.0.1:1" })]
    [InlineData("needs --config FILE", new[] { "run" })]
    [InlineData("needs --config FILE", new[] { "check", "--listen", "127.0.0.1:1" })]
    [InlineData("'--max-connections' expects a whole number, got 'many'", new[] { "--config", "f", "--max-connections", "many" })]
    [InlineData("'--max-connections' expects a whole number, got '1.5'", new[] { "--config", "f", "--max-connections=1.5" })]
    [InlineData("'--max-header-bytes' expects a whole number", new[] { "--config", "f", "--max-header-bytes", "99999999999" })]
    [InlineData("'--idle-timeout' expects a number of seconds, got '5s'", new[] { "--config", "f", "--idle-timeout", "5s" })]
    [InlineData("'--drain-timeout' expects a number of seconds", new[] { "--config", "f", "--drain-timeout", "NaN" })]
    [InlineData("'--log-level': unknown level 'loud'", new[] { "--config", "f", "--log-level", "loud" })]
    [InlineData("'--io-engine': unknown engine 'uring'; expected epoll or sockets", new[] { "--config", "f", "--io-engine", "uring" })]
    [InlineData("'--listen': address 'localhost:80'", new[] { "--config", "f", "--listen", "localhost:80" })]
    [InlineData("'--admin': address '9901' has no port", new[] { "--config", "f", "--admin", "9901" })]
    [InlineData("'--config' is given more than once", new[] { "--config", "a", "--config=b" })]
    [InlineData("'--listen' is not valid for 'fastproxy policy test'", new[] { "policy", "test", "f", "--listen", "127.0.0.1:1" })]
    [InlineData("'--config' is not valid for 'fastproxy demo'", new[] { "demo", "--config", "f" })]
    [InlineData("'--token' is not valid for 'fastproxy run'", new[] { "--config", "f", "--token", "t" })]
    [InlineData("'--max-connections' is not valid for 'fastproxy policy explain'", new[] { "policy", "explain", "--max-connections", "1" })]
    [InlineData("unexpected argument 'extra' for 'fastproxy run'", new[] { "--config", "f", "extra" })]
    [InlineData("needs a subcommand", new[] { "policy" })]
    [InlineData("unknown subcommand 'fastproxy policy run'", new[] { "policy", "run" })]
    [InlineData("unknown subcommand 'fastproxy audit check'", new[] { "audit", "check" })]
    [InlineData("'fastproxy policy test' needs a FILE", new[] { "policy", "test" })]
    [InlineData("takes one FILE; unexpected 'b'", new[] { "policy", "test", "a", "b" })]
    [InlineData("needs --request", new[] { "policy", "explain", "--config", "f" })]
    [InlineData("needs --config FILE", new[] { "policy", "explain", "--request", "GET /" })]
    [InlineData("--token or --claims, not both", new[] { "policy", "explain", "--config", "f", "--request", "GET /", "--token", "t", "--claims", "{}" })]
    [InlineData("'--claims' expects a JSON object", new[] { "policy", "explain", "--config", "f", "--request", "GET /", "--claims", "[1]" })]
    [InlineData("'--claims' expects a JSON object", new[] { "policy", "explain", "--config", "f", "--request", "GET /", "--claims", "{bad" })]
    [InlineData("'--request' expects \"METHOD URL\"", new[] { "policy", "explain", "--config", "f", "--request", "GET" })]
    [InlineData("'--request' expects \"METHOD URL\"", new[] { "policy", "explain", "--config", "f", "--request", "GET ftp://x/" })]
    [InlineData("needs at least one FILE", new[] { "audit", "verify" })]
    [InlineData("unexpected argument 'x'", new[] { "version", "x" })]
    public void Parse_Mistake_ClearError(string expected, string[] args)
    {
        var result = CliParser.Parse(args);

        Assert.False(result.Success);
        Assert.Null(result.Invocation);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void HelpText_ListsEveryCommandAndFlag()
    {
        foreach (var word in new[]
                 {
                     "demo", "check", "policy test", "policy explain", "audit verify", "--config", "--listen", "--max-connections",
                     "--header-timeout", "--idle-timeout", "--connect-timeout", "--response-timeout", "--drain-timeout",
                     "--max-header-bytes", "--token-cache-size", "--io-engine", "--log-level", "--admin", "--request", "--token", "--claims", "--version",
                 })
        {
            Assert.Contains(word, CliParser.HelpText, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("sockets")]
    [InlineData("epoll")]
    public void Parse_IoEngine_Kept(string engine)
    {
        Assert.Null(Ok("--config", "f").IoEngine);
        Assert.Equal(engine, Ok("--config", "f", "--io-engine", engine).IoEngine);
    }

    private static CliInvocation Ok(params string[] args)
    {
        var result = CliParser.Parse(args);
        Assert.True(result.Success, result.Error);
        return result.Invocation;
    }

    [Theory]
    [InlineData("--tls-cert")]
    [InlineData("--tls-key")]
    public void Parse_TlsCertOrKeyAlone_ClearError(string flag)
    {
        var result = CliParser.Parse(["run", "--config", "f.yaml", flag, "x.pem"]);

        Assert.False(result.Success);
        Assert.Contains("'--tls-cert' and '--tls-key' go together", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TlsCertAndKey_AbsolutePaths()
    {
        var result = CliParser.Parse(["run", "--config", "f.yaml", "--tls-cert", "c.pem", "--tls-key", "k.pem"]);

        Assert.True(result.Success, result.Error);
        Assert.Equal(Path.GetFullPath("c.pem"), result.Invocation!.TlsCertificate);
        Assert.Equal(Path.GetFullPath("k.pem"), result.Invocation.TlsKey);
    }
}
