using System.Net;
using System.Net.Sockets;
using FastProxy.Tests.Common;

namespace FastProxy.Http.Tests.Proxy;

/// <summary>
/// An in-process upstream on a loopback ephemeral port whose every accepted connection runs a script given by the test
/// (with the connection's index: 0 for the first one accepted). Script failures surface in <see cref="Failures"/>.
/// </summary>
internal sealed class ScriptedUpstream : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Func<TestPeer, int, Task> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];
    private readonly Task _accepting;
    private int _accepted;

    public ScriptedUpstream(Func<TestPeer, int, Task> script)
    {
        _script = script;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(LoopbackHelpers.AnyPortV4);
        _listener.Listen(64);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _accepting = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _accepted);

    public List<Exception> Failures { get; } = [];

    /// <summary>Serves one request after another on a connection: answers each head with its path as the body.</summary>
    public static async Task EchoPathsAsync(TestPeer upstream)
    {
        while (true)
        {
            string head;
            try
            {
                head = await upstream.ReadHeadAsync();
            }
            catch (EndOfStreamException)
            {
                return;
            }

            var body = PathOf(head);
            await upstream.SendAsync($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n{body}");
        }
    }

    public static string PathOf(string head) => head.Split(' ')[1];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        Task[] running;
        lock (_running)
        {
            running = [.. _running];
        }

        await Task.WhenAll(running).WaitAsync(LoopbackHelpers.StepTimeout, CancellationToken.None);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var index = Interlocked.Increment(ref _accepted) - 1;
            lock (_running)
            {
                _running.Add(RunAsync(new TestPeer(socket), index));
            }
        }
    }

    private async Task RunAsync(TestPeer peer, int index)
    {
        await Task.Yield();
        try
        {
            await _script(peer, index);
        }
        catch (Exception ex) when (ex is SocketException or EndOfStreamException or OperationCanceledException or ObjectDisposedException)
        {
            // The proxy closed or reset the connection mid-script: some tests expect exactly that.
        }
#pragma warning disable CA1031 // reported to the test through Failures
        catch (Exception ex)
#pragma warning restore CA1031
        {
            lock (Failures)
            {
                Failures.Add(ex);
            }
        }
        finally
        {
            peer.Dispose();
        }
    }
}
