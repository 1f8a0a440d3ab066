#include "labnetwork.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QThread>
#include <cerrno>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

namespace pvc::test {

namespace {

const QString stemPrefix = QStringLiteral("pvcl");
int labCounter = 0;

RunResult runProcess(const QString& program, const QStringList& arguments, int timeoutMs)
{
    RunResult result;
    QProcess process;
    process.start(program, arguments);
    if (!process.waitForStarted(5000)) {
        result.err = process.errorString();
        return result;
    }
    process.closeWriteChannel();
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(3000);
        result.out = QString::fromLocal8Bit(process.readAllStandardOutput());
        result.err = QString::fromLocal8Bit(process.readAllStandardError())
            + QStringLiteral("\n(timed out after %1 ms)").arg(timeoutMs);
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = QString::fromLocal8Bit(process.readAllStandardOutput());
    result.err = QString::fromLocal8Bit(process.readAllStandardError());
    return result;
}

QStringList allNamespaces()
{
    QStringList names;
    const RunResult list = runProcess(QStringLiteral("ip"), { QStringLiteral("netns"), QStringLiteral("list") }, 10000);
    const QStringList lines = list.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (const QString& line : lines)
        names << line.section(QLatin1Char(' '), 0, 0);
    return names;
}

} // namespace

LabNetwork::LabNetwork(const QString& topologyFile)
{
    m_prefix = stemPrefix + QString::number(QCoreApplication::applicationPid()) + QLatin1Char('n')
        + QString::number(++labCounter);
    if (!isRoot()) {
        m_error = QStringLiteral("the lab needs root");
        return;
    }
    if (!parse(topologyFile))
        return;
    const RunResult up = runLabScript({ QStringLiteral("up"), topologyFile, m_prefix }, 60000);
    m_up = up.exitCode == 0;
    if (!m_up)
        m_error = QStringLiteral("lab.sh up failed: ") + up.err + up.out;
}

LabNetwork::~LabNetwork()
{
    for (QProcess* process : std::as_const(m_processes)) {
        if (process->state() != QProcess::NotRunning) {
            process->kill();
            process->waitForFinished(3000);
        }
    }
    // Runs even after a failed up: lab.sh up tears down after itself, but a half-built lab must not survive.
    if (isRoot()) {
        const RunResult down = runLabScript({ QStringLiteral("down"), m_prefix }, 30000);
        if (down.exitCode != 0)
            qWarning("lab.sh down %s failed: %s", qPrintable(m_prefix), qPrintable(down.err));
    }
    qDeleteAll(m_processes);
}

bool LabNetwork::parse(const QString& topologyFile)
{
    QFile file(topologyFile);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        m_error = QStringLiteral("cannot read %1").arg(topologyFile);
        return false;
    }
    // lab.sh validates the file fully; this only needs names and addresses.
    const QRegularExpression spaces(QStringLiteral("\\s+"));
    while (!file.atEnd()) {
        QString line = QString::fromUtf8(file.readLine());
        line = line.left(line.indexOf(QLatin1Char('#'))).trimmed();
        QStringList f = line.split(spaces, Qt::SkipEmptyParts);
        if (!f.isEmpty() && f.last().startsWith(QStringLiteral("rate=")))
            f.removeLast();
        if (f.size() == 3 && f[0] == QStringLiteral("public")) {
            m_address.insert(f[1], f[2]);
        } else if (f.size() == 5 && f[0] == QStringLiteral("router")) {
            m_address.insert(f[1], f[3]);
            m_kind.insert(f[1], f[2]);
            m_lanOfRouter.insert(f[1], f[4].toInt());
        } else if (f.size() == 4 && f[0] == QStringLiteral("home")) {
            m_address.insert(f[1], f[3]);
            m_lanOfHome.insert(f[1], f[2].toInt());
        }
    }
    m_address.insert(QStringLiteral("inet"), QStringLiteral("198.18.0.1"));
    return true;
}

QString LabNetwork::routerOf(const QString& node) const
{
    if (!m_lanOfHome.contains(node))
        return {};
    const int lan = m_lanOfHome.value(node);
    for (auto it = m_lanOfRouter.cbegin(); it != m_lanOfRouter.cend(); ++it) {
        if (it.value() == lan)
            return it.key();
    }
    return {};
}

QString LabNetwork::publicAddress(const QString& node) const
{
    const QString router = routerOf(node);
    if (router.isEmpty() || kind(router) == QStringLiteral("firewall"))
        return address(node);
    return address(router);
}

QStringList LabNetwork::wrap(const QString& node, const QStringList& argv, const QString& asUser) const
{
    QStringList arguments { QStringLiteral("netns"), QStringLiteral("exec"), namespaceName(node) };
    if (!asUser.isEmpty()) {
        // setpriv rather than su or runuser: no PAM, no session, and it execs in place, so the PID we
        // hold is the program's own.
        QString group = QStringLiteral("nogroup");
        if (const passwd* pw = ::getpwnam(asUser.toLocal8Bit().constData()))
            group = QString::number(pw->pw_gid);
        arguments << QStringLiteral("setpriv") << QStringLiteral("--reuid=") + asUser
                  << QStringLiteral("--regid=") + group << QStringLiteral("--clear-groups") << QStringLiteral("--");
    }
    return arguments + argv;
}

RunResult LabNetwork::exec(const QString& node, const QStringList& argv, int timeoutMs, const QString& asUser)
{
    return runProcess(QStringLiteral("ip"), wrap(node, argv, asUser), timeoutMs);
}

QProcess* LabNetwork::spawn(const QString& node, const QStringList& argv, const QString& asUser)
{
    auto* process = new QProcess;
    process->setProgram(QStringLiteral("ip"));
    process->setArguments(wrap(node, argv, asUser));
    process->start();
    if (!process->waitForStarted(5000))
        qWarning("cannot start %s in %s: %s", qPrintable(argv.join(QLatin1Char(' '))), qPrintable(node),
            qPrintable(process->errorString()));
    m_processes.append(process);
    return process;
}

bool LabNetwork::waitForListening(const QString& node, quint16 port, bool udp, int timeoutMs)
{
    const QStringList argv { QStringLiteral("ss"), QStringLiteral("-H"),
        udp ? QStringLiteral("-uln") : QStringLiteral("-tln"), QStringLiteral("sport = :%1").arg(port) };
    const QDeadlineTimer deadline(timeoutMs);
    do {
        const RunResult r = exec(node, argv, 3000);
        if (r.exitCode == 0 && !r.out.trimmed().isEmpty())
            return true;
        QThread::msleep(50);
    } while (!deadline.hasExpired());
    return false;
}

bool LabNetwork::startUpnpd(const QString& router, const QString& stunHost, quint16 stunPort)
{
    // STUN, up to 9 s when replies go missing, then the HTTP port: lab.sh waits up to 15 s.
    const RunResult r
        = runLabScript({ QStringLiteral("upnpd"), m_prefix, router, stunHost, QString::number(stunPort) }, 30000);
    const QStringList lines = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    bool ok = false;
    const qint64 pid = lines.isEmpty() ? 0 : lines.first().trimmed().toLongLong(&ok);
    if (r.exitCode != 0 || !ok || pid <= 0 || lines.size() < 2) {
        m_error = QStringLiteral("lab.sh upnpd %1 failed: %2%3").arg(router, r.err, r.out);
        return false;
    }
    m_upnpdPid.insert(router, pid);
    m_upnpdLog.insert(router, lines.at(1).trimmed());
    return true;
}

QString LabNetwork::upnpdLog(const QString& router) const
{
    QFile file(m_upnpdLog.value(router));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromLocal8Bit(file.readAll());
}

QString LabNetwork::labDir()
{
    const QString dir = qEnvironmentVariable("PVC_LAB_DIR");
    if (!dir.isEmpty())
        return dir;
    // Run by hand, outside ctest: tests/lab next to this file's tests/support.
    return QFileInfo(QStringLiteral(__FILE__)).absoluteDir().absoluteFilePath(QStringLiteral("../lab"));
}

QString LabNetwork::topology(const QString& name)
{
    return labDir() + QStringLiteral("/topologies/") + name + QStringLiteral(".topo");
}

bool LabNetwork::isRoot()
{
    return ::geteuid() == 0;
}

RunResult LabNetwork::runLabScript(const QStringList& arguments, int timeoutMs)
{
    return runProcess(labDir() + QStringLiteral("/lab.sh"), arguments, timeoutMs);
}

QStringList LabNetwork::namespacesWithPrefix(const QString& prefix)
{
    QStringList found;
    for (const QString& name : allNamespaces()) {
        if (name.startsWith(prefix + QLatin1Char('-')))
            found << name;
    }
    return found;
}

void LabNetwork::sweepStale()
{
    if (!isRoot())
        return;
    const QRegularExpression ours(QStringLiteral("^(pvcl(\\d+)n\\d+)-"));
    QStringList dead;
    for (const QString& name : allNamespaces()) {
        const QRegularExpressionMatch m = ours.match(name);
        if (!m.hasMatch())
            continue;
        const pid_t pid = m.captured(2).toInt();
        if (::kill(pid, 0) != 0 && errno == ESRCH && !dead.contains(m.captured(1)))
            dead << m.captured(1);
    }
    for (const QString& prefix : std::as_const(dead))
        runLabScript({ QStringLiteral("down"), prefix }, 30000);
}

} // namespace pvc::test
