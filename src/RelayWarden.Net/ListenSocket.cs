using System.Net;
using System.Net.Sockets;

namespace RelayWarden.Net;

/// <summary>Binds the listening socket of a door: <c>inet:ADDRESS:PORT</c>, <c>ADDRESS:PORT</c> or <c>unix:PATH</c>.</summary>
internal static class ListenSocket
{
    public static Socket Bind(string address, out string? unixPath)
    {
        EndPoint endpoint;
        Socket socket;
        unixPath = null;
        if (address.StartsWith("unix:", StringComparison.Ordinal))
        {
            unixPath = address[5..];
            if (File.Exists(unixPath))
            {
                File.Delete(unixPath); // a stale socket from a previous run
            }

            endpoint = new UnixDomainSocketEndPoint(unixPath);
            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        }
        else
        {
            var ip = IPEndPoint.Parse(address.StartsWith("inet:", StringComparison.Ordinal) ? address[5..] : address);
            endpoint = ip;
            socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        }

        try
        {
            socket.Bind(endpoint);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        if (unixPath is not null && !OperatingSystem.IsWindows())
        {
            // Postfix connects as its own user: the socket is open to every local user, like a loopback
            // TCP port; restrict who reaches it with the permissions of the folder that holds it.
            File.SetUnixFileMode(unixPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite
                | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
        }

        return socket;
    }
}
