#include "grid/sandboxspec.h"

namespace pvc::core {

namespace {
QString inside(const char* path)
{
    return QString::fromLatin1(path);
}
} // namespace

QStringList SandboxSpec::workerArguments() const
{
    QStringList args { QStringLiteral("127.0.0.1"), QString::number(ManagerPortInside) };
    args << QStringLiteral("--cores=%1").arg(cores);
    if (memoryMb > 0)
        args << QStringLiteral("--memory=%1").arg(memoryMb);
    if (diskMb > 0)
        args << QStringLiteral("--disk=%1").arg(diskMb);
    for (const QString& feature : features)
        args << QStringLiteral("--feature") << feature;
    // Waits for the manager with backoff (1 s doubling to 60 s) and never gives up on its own:
    // pvcd decides when it stops.
    args << QStringLiteral("--min-backoff=1") << QStringLiteral("--max-backoff=60")
         << QStringLiteral("--connect-timeout=31536000") << QStringLiteral("--idle-timeout=31536000")
         << QStringLiteral("--parent-death") << QStringLiteral("--workdir=%1").arg(inside(WorkInside));
    return args;
}

QStringList SandboxSpec::arguments() const
{
    QStringList args;
    // Namespaces: user, PID, IPC, UTS, cgroup and network (only `lo` inside). --new-session keeps
    // tasks off the owner's terminal; --die-with-parent ties the sandbox to pvcd.
    // --disable-userns: no task can make a user namespace of its own (and with it more kernel surface).
    args << QStringLiteral("--unshare-all") << QStringLiteral("--unshare-user") << QStringLiteral("--disable-userns")
         << QStringLiteral("--die-with-parent") << QStringLiteral("--new-session") << QStringLiteral("--hostname")
         << hostName;
    // Read-only system, as on the host.
    args << QStringLiteral("--ro-bind") << QStringLiteral("/usr") << QStringLiteral("/usr");
    if (!saboteurShell.isEmpty())
        args << QStringLiteral("--ro-bind") << saboteurShell << QStringLiteral("/usr/bin/sh");
    for (const char* link : { "lib", "lib64", "bin", "sbin" })
        args << QStringLiteral("--symlink") << QStringLiteral("usr/") + QLatin1String(link)
             << QLatin1Char('/') + QLatin1String(link);
    args << QStringLiteral("--ro-bind") << QStringLiteral("/etc") << QStringLiteral("/etc");
    args << QStringLiteral("--ro-bind") << hostsPath << QStringLiteral("/etc/hosts");
    args << QStringLiteral("--proc") << QStringLiteral("/proc") << QStringLiteral("--dev") << QStringLiteral("/dev");
    // Private, empty and writable only inside: /tmp, the home, and the worker's directory.
    args << QStringLiteral("--tmpfs") << QStringLiteral("/tmp") << QStringLiteral("--dir") << inside(HomeInside);
    args << QStringLiteral("--bind") << workDirectory << inside(WorkInside);
    args << QStringLiteral("--ro-bind") << relay << inside(RelayInside);
    args << QStringLiteral("--bind") << socketPath << inside(SocketInside);
    // Data by BitTorrent (docs/data.md): the cache read-only, and the one socket that asks for an input.
    if (!dataDirectory.isEmpty())
        args << QStringLiteral("--ro-bind") << dataDirectory << inside(DataInside);
    if (!dataSocketPath.isEmpty())
        args << QStringLiteral("--bind") << dataSocketPath << inside(DataSocketInside);
    args << QStringLiteral("--chdir") << inside(WorkInside);
    args << QStringLiteral("--clearenv") << QStringLiteral("--setenv") << QStringLiteral("HOME") << inside(HomeInside)
         << QStringLiteral("--setenv") << QStringLiteral("PATH") << QStringLiteral("/usr/bin:/bin")
         << QStringLiteral("--setenv") << QStringLiteral("TMPDIR") << QStringLiteral("/tmp")
         << QStringLiteral("--setenv") << QStringLiteral("LANG") << QStringLiteral("C.UTF-8");
    args << inside(RelayInside) << QStringLiteral("--socket") << inside(SocketInside) << QStringLiteral("--port")
         << QString::number(ManagerPortInside);
    if (memoryLimitBytes > 0)
        args << QStringLiteral("--memory-limit") << QString::number(memoryLimitBytes);
    if (maxProcesses > 0)
        args << QStringLiteral("--max-processes") << QString::number(maxProcesses);
    args << QStringLiteral("--") << worker << workerArguments();
    return args;
}

QByteArray SandboxSpec::hostsFile() const
{
    return "127.0.0.1\tlocalhost " + hostName.toLatin1() + "\n::1\tlocalhost ip6-localhost ip6-loopback\n";
}

} // namespace pvc::core
