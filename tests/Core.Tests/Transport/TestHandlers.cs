using FastProxy.Core.Transport;

namespace FastProxy.Core.Tests.Transport;

/// <summary>Connection handlers shared by the transport tests.</summary>
internal static class TestHandlers
{
    /// <summary>Echoes every byte back until the peer sends FIN.</summary>
    public static async Task EchoAsync(TransportConnection connection, CancellationToken shuttingDown)
    {
        while (true)
        {
            var result = await connection.Input.ReadAsync();
            var buffer = result.Buffer;
            foreach (var segment in buffer)
            {
                await connection.Output.WriteAsync(segment);
            }

            connection.Input.AdvanceTo(buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return;
            }
        }
    }
}
