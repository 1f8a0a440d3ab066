#pragma once

#include <QList>
#include <QString>

namespace pvc::core {

// One process as /proc/PID/stat tells it.
struct ProcessStat {
    qint64 pid = 0;
    qint64 parent = 0;
    QString name; // comm, at most 15 characters
    char state = '?'; // R, S, D, T (stopped), t, Z, ...
    quint64 cpuTicks = 0; // utime + stime + cutime + cstime

    // Parses the text of /proc/PID/stat; nullopt-like (pid 0) when it is not one.
    static ProcessStat parse(const QByteArray& text);
};

// The processes of one sandbox, found as the descendants of its root (the bwrap process pvcd
// started), read from /proc each time they are asked for: a task that forks or daemonizes stays a
// descendant, because the sandbox has its own PID namespace and its init adopts orphans.
class SandboxProcesses {
public:
    static constexpr int MaxProcesses = 65536; // /proc entries read at most per scan

    explicit SandboxProcesses(qint64 rootPid, QString procRoot = QStringLiteral("/proc"));

    qint64 rootPid() const { return m_root; }
    // The root and its descendants, the root first; empty once the root is gone.
    QList<ProcessStat> members() const;
    // Sends the signal to every member, deepest first for SIGSTOP (so that no parent sees a child
    // stop before it stops itself), root first otherwise. The number of processes signalled.
    int signalAll(int signal) const;
    // The CPU seconds the sandbox used so far: what its live processes used, their reaped children
    // included. It may drop when a process exits unreaped; callers keep the maximum.
    double cpuSeconds() const;
    // The running tasks: children of the process named `workerName`.
    int childrenOf(const QString& workerName) const { return int(childPids(workerName).size()); }
    QList<qint64> childPids(const QString& workerName) const;
    // True when every member is stopped (state T or t) or gone.
    bool allStopped() const;

private:
    qint64 m_root;
    QString m_procRoot;
};

} // namespace pvc::core
