#include "grid/sandboxprocesses.h"

#include <QDir>
#include <QFile>
#include <QHash>
#include <csignal>
#include <unistd.h>

namespace pvc::core {

namespace {
constexpr qint64 MaxStatBytes = 4096;

QList<ProcessStat> readAll(const QString& procRoot)
{
    QList<ProcessStat> all;
    const QStringList entries = QDir(procRoot).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString& entry : entries) {
        if (all.size() >= SandboxProcesses::MaxProcesses)
            break;
        bool number = false;
        entry.toLongLong(&number);
        if (!number)
            continue;
        QFile file(procRoot + QLatin1Char('/') + entry + QStringLiteral("/stat"));
        if (!file.open(QIODevice::ReadOnly))
            continue; // gone meanwhile
        const ProcessStat stat = ProcessStat::parse(file.read(MaxStatBytes));
        if (stat.pid > 0)
            all.append(stat);
    }
    return all;
}
} // namespace

ProcessStat ProcessStat::parse(const QByteArray& text)
{
    // "PID (COMM) STATE PPID ..." where COMM may hold spaces and parentheses: split at the last ')'.
    ProcessStat stat;
    const qsizetype open = text.indexOf('(');
    const qsizetype close = text.lastIndexOf(')');
    if (open <= 0 || close < open)
        return {};
    bool ok = false;
    const qint64 pid = text.left(open).trimmed().toLongLong(&ok);
    const QList<QByteArray> fields = text.mid(close + 2).split(' ');
    // fields[0] is field 3 (state); utime..cstime are fields 14..17.
    if (!ok || pid <= 0 || fields.size() < 15 || fields.at(0).size() != 1)
        return {};
    stat.name = QString::fromUtf8(text.mid(open + 1, close - open - 1));
    stat.state = fields.at(0).at(0);
    stat.parent = fields.at(1).toLongLong();
    for (int i = 11; i <= 14; ++i)
        stat.cpuTicks += fields.at(i).toULongLong();
    stat.pid = pid;
    return stat;
}

SandboxProcesses::SandboxProcesses(qint64 rootPid, QString procRoot)
    : m_root(rootPid)
    , m_procRoot(std::move(procRoot))
{
}

QList<ProcessStat> SandboxProcesses::members() const
{
    const QList<ProcessStat> all = readAll(m_procRoot);
    QHash<qint64, QList<int>> children;
    int rootIndex = -1;
    for (int i = 0; i < all.size(); ++i) {
        children[all.at(i).parent].append(i);
        if (all.at(i).pid == m_root)
            rootIndex = i;
    }
    QList<ProcessStat> found;
    if (rootIndex < 0)
        return found;
    found.append(all.at(rootIndex));
    for (int next = 0; next < found.size(); ++next)
        for (int child : children.value(found.at(next).pid))
            found.append(all.at(child));
    return found;
}

int SandboxProcesses::signalAll(int signal) const
{
    QList<ProcessStat> list = members();
    if (signal == SIGSTOP)
        std::reverse(list.begin(), list.end());
    int sent = 0;
    for (const ProcessStat& process : list)
        if (::kill(pid_t(process.pid), signal) == 0)
            ++sent;
    return sent;
}

double SandboxProcesses::cpuSeconds() const
{
    quint64 ticks = 0;
    for (const ProcessStat& process : members())
        ticks += process.cpuTicks;
    static const long perSecond = sysconf(_SC_CLK_TCK);
    return perSecond > 0 ? double(ticks) / double(perSecond) : 0.0;
}

QList<qint64> SandboxProcesses::childPids(const QString& workerName) const
{
    const QList<ProcessStat> list = members();
    QList<qint64> workers;
    for (const ProcessStat& process : list)
        if (process.name == workerName)
            workers.append(process.pid);
    QList<qint64> children;
    for (const ProcessStat& process : list)
        if (workers.contains(process.parent) && process.state != 'Z')
            children.append(process.pid);
    return children;
}

bool SandboxProcesses::allStopped() const
{
    for (const ProcessStat& process : members())
        if (process.state != 'T' && process.state != 't' && process.state != 'Z' && process.state != 'X')
            return false;
    return true;
}

} // namespace pvc::core
