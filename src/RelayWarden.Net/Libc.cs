using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RelayWarden.Net;

/// <summary>
/// The Linux system calls of the event-loop transport (glibc). Every call returns -1 and sets errno
/// on failure (read with <see cref="Marshal.GetLastPInvokeError"/>); none throws.
/// </summary>
internal static unsafe partial class Libc
{
    public const int EAGAIN = 11;
    public const int EINTR = 4;

    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const int EPOLL_CTL_MOD = 3;
    public const uint EPOLLIN = 0x001;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLERR = 0x008;
    public const uint EPOLLHUP = 0x010;
    public const uint EPOLLEXCLUSIVE = 1u << 28;

    public const int SOCK_NONBLOCK = 0x800;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int EFD_NONBLOCK = 0x800;
    public const int EFD_CLOEXEC = 0x80000;
    public const int F_GETFL = 3;
    public const int F_SETFL = 4;
    public const int O_NONBLOCK = 0x800;
    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_NOSIGNAL = 0x4000;
    public const int IPPROTO_TCP = 6;
    public const int TCP_NODELAY = 1;
    public const int TCP_QUICKACK = 12;

    /// <summary>struct epoll_event is packed on x86-64 (12 octets), naturally aligned elsewhere (16).</summary>
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86 ? 12 : 16;

    private static int DataOffset => EpollEventSize == 12 ? 4 : 8;

    public static void WriteEvent(byte* slot, uint events, ulong data)
    {
        *(uint*)slot = events;
        Unsafe.WriteUnaligned(slot + DataOffset, data);
    }

    public static uint EventsAt(byte* events, int index) => *(uint*)(events + (index * EpollEventSize));

    public static ulong DataAt(byte* events, int index) => Unsafe.ReadUnaligned<ulong>(events + (index * EpollEventSize) + DataOffset);

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, int fd, byte* ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, byte* events, int maxevents, int timeout);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initval, int flags);

    [LibraryImport("libc", EntryPoint = "accept4", SetLastError = true)]
    public static partial int Accept4(int sockfd, IntPtr addr, IntPtr addrlen, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    public static partial nint Recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint length);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint length);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int cmd, int arg);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(int fd, int level, int name, int* value, uint length);

    public static int SetInt(int fd, int level, int name, int value) => SetSockOpt(fd, level, name, &value, sizeof(int));
}
