#include "daemonlauncher.h"

#include "controlconnection.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTimer>
#include <cerrno>
#include <signal.h>

namespace pvc::app {

namespace {
// A pvcd that went away is relaunched only if it stays away this long (a restart takes less), and
// never more often than every MinRelaunchMs, so a pvcd that keeps crashing is not started in a loop.
constexpr int RelaunchDelayMs = 3000;
constexpr qint64 MinRelaunchMs = 30000;
constexpr int CheckIntervalMs = 1000;
constexpr qint64 GiveUpMs = 15000;

// The detached pvcd is not our child, and where nobody reaps orphans it lingers as a zombie.
bool processAlive(qint64 pid)
{
    if (pid <= 0 || (::kill(pid_t(pid), 0) != 0 && errno == ESRCH))
        return false;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return true;
    const QByteArray line = stat.readAll();
    const qsizetype end = line.lastIndexOf(')');
    return end < 0 || line.mid(end + 2, 1) != "Z";
}
} // namespace

DaemonLauncher::DaemonLauncher(ControlConnection* connection, const Options& options, QObject* parent)
    : QObject(parent)
    , m_connection(connection)
    , m_options(options)
    , m_state(options.enabled ? State::Idle : State::Disabled)
    , m_relaunchTimer(new QTimer(this))
    , m_checkTimer(new QTimer(this))
{
    m_relaunchTimer->setSingleShot(true);
    connect(m_relaunchTimer, &QTimer::timeout, this, [this] {
        if (!m_connection->isConnected())
            launchNow();
    });
    m_checkTimer->setInterval(CheckIntervalMs);
    connect(m_checkTimer, &QTimer::timeout, this, &DaemonLauncher::checkLaunch);
    connect(connection, &ControlConnection::disconnected, this, &DaemonLauncher::handleDisconnected);
    connect(connection, &ControlConnection::connected, this, &DaemonLauncher::handleConnected);
}

QString DaemonLauncher::findPvcd()
{
    const QString sibling = QCoreApplication::applicationDirPath() + QStringLiteral("/pvcd");
    if (QFileInfo(sibling).isExecutable())
        return sibling;
    return QStandardPaths::findExecutable(QStringLiteral("pvcd"));
}

QString DaemonLauncher::logPath() const
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation) + QStringLiteral("/pvc/pvcd.log");
}

void DaemonLauncher::handleDisconnected()
{
    if (m_state == State::Disabled)
        return;
    if (m_sinceLaunch.isValid() && m_sinceLaunch.elapsed() < MinRelaunchMs)
        return;
    // At start-up pvcd is simply not there: start it now. A pvcd that was there may be restarting.
    m_relaunchTimer->start(m_sinceLaunch.isValid() || m_connection->lastErrorCode() == QLatin1String("control.closed")
            ? RelaunchDelayMs
            : 0);
}

void DaemonLauncher::handleConnected()
{
    m_relaunchTimer->stop();
    m_checkTimer->stop();
    if (m_state != State::Disabled)
        setState(State::Idle);
}

void DaemonLauncher::launchNow()
{
    if (m_connection->isConnected())
        return;
    const QString program = findPvcd();
    if (program.isEmpty()) {
        setState(State::Failed, tr("pvcd is not installed: it is neither next to pvc-tray nor on the PATH."));
        return;
    }
    QStringList arguments { QStringLiteral("--control"), m_options.controlPath };
    if (!m_options.projectFile.isEmpty())
        arguments << QStringLiteral("--project") << m_options.projectFile;

    QDir().mkpath(QFileInfo(logPath()).absolutePath());
    QProcess process;
    process.setProgram(program);
    process.setArguments(arguments);
    process.setStandardInputFile(QProcess::nullDevice());
    process.setStandardOutputFile(QProcess::nullDevice());
    process.setStandardErrorFile(logPath()); // pvcd logs to stderr
    m_sinceLaunch.start();
    if (!process.startDetached(&m_pid)) {
        setState(State::Failed, tr("pvcd could not be started: %1").arg(process.errorString()));
        return;
    }
    setState(State::Starting);
    m_checkTimer->start();
}

void DaemonLauncher::checkLaunch()
{
    if (m_connection->isConnected()) {
        handleConnected();
        return;
    }
    if (!processAlive(m_pid)) {
        m_checkTimer->stop();
        const QString line = lastLogLine();
        setState(State::Failed,
            line.isEmpty() ? tr("pvcd stopped right after it was started.")
                           : tr("pvcd stopped right after it was started: %1").arg(line));
    } else if (m_sinceLaunch.elapsed() > GiveUpMs) {
        m_checkTimer->stop();
        setState(State::Failed, tr("pvcd is running but does not answer at %1.").arg(m_options.controlPath));
    }
}

QString DaemonLauncher::lastLogLine() const
{
    QFile log(logPath());
    if (!log.open(QIODevice::ReadOnly))
        return {};
    if (log.size() > 4096)
        log.seek(log.size() - 4096);
    const QStringList lines = QString::fromUtf8(log.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    return lines.isEmpty() ? QString() : lines.last().trimmed();
}

void DaemonLauncher::setState(State state, const QString& failure)
{
    if (state == m_state && failure == m_failure)
        return;
    m_state = state;
    m_failure = failure;
    Q_EMIT stateChanged();
}

} // namespace pvc::app
