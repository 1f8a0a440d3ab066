#include "grid/workersupervisor.h"

#include "common/logging.h"
#include "grid/diskusage.h"
#include "grid/sandboxprocesses.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTimer>
#include <algorithm>
#include <climits>
#include <csignal>

namespace pvc::core {

namespace {
// /proc/PID/comm of work_queue_worker: the kernel keeps 15 characters.
const QString WorkerComm = QStringLiteral("work_queue_work");
} // namespace

WorkerSupervisor::WorkerSupervisor(const SandboxSpec& spec, const QString& logPath, QObject* parent)
    : QObject(parent)
    , m_spec(spec)
    , m_logPath(logPath)
    , m_sampler(new QTimer(this))
    , m_throttle(new QTimer(this))
    , m_restart(new QTimer(this))
{
    m_sampler->setInterval(SampleIntervalMs);
    connect(m_sampler, &QTimer::timeout, this, &WorkerSupervisor::sample);
    m_throttle->setSingleShot(true);
    connect(m_throttle, &QTimer::timeout, this, &WorkerSupervisor::applyThrottle);
    m_restart->setSingleShot(true);
    connect(m_restart, &QTimer::timeout, this, &WorkerSupervisor::reconcile);
}

WorkerSupervisor::~WorkerSupervisor()
{
    shutdown();
}

QString WorkerSupervisor::stateName(State state)
{
    switch (state) {
    case State::Stopped:
        return QStringLiteral("stopped");
    case State::Connecting:
        return QStringLiteral("connecting");
    case State::Idle:
        return QStringLiteral("idle");
    case State::Busy:
        return QStringLiteral("busy");
    case State::Paused:
        return QStringLiteral("paused");
    case State::Finishing:
        return QStringLiteral("finishing");
    }
    return QStringLiteral("stopped");
}

void WorkerSupervisor::setMember(const QString& name, const QStringList& features)
{
    if (name == m_name && features == m_features)
        return;
    const bool restart = m_process && !m_name.isEmpty();
    m_name = name;
    m_features = features;
    if (restart)
        stopWorker();
    reconcile();
}

void WorkerSupervisor::clearMember()
{
    m_name.clear();
    m_features.clear();
    reconcile();
}

void WorkerSupervisor::setAllowance(const Allowance& allowance)
{
    if (allowance == m_allowance)
        return;
    if (!allowance.sameStart(m_allowance))
        m_coresChanged.start();
    m_allowance = allowance;
    reconcile();
}

void WorkerSupervisor::setManagerConnected(bool connected)
{
    m_managerConnected = connected;
    if (connected)
        m_backoffMs = MinBackoffMs;
    updateState();
}

qint64 WorkerSupervisor::workerPid() const
{
    return m_process ? m_process->processId() : 0;
}

// Brings the process in line with what is wanted: running or not, frozen or not, its cores.
void WorkerSupervisor::reconcile()
{
    const bool wanted = !m_name.isEmpty() && m_allowance.run && m_allowance.cores > 0;
    if (!wanted) {
        stopWorker();
        updateState();
        return;
    }
    if (m_process && !m_started.sameStart(m_allowance)) {
        // Fewer or more cores, another memory or disk limit: restart once idle, or within a minute whatever runs (the
        // manager reschedules what was stopped). Work Queue reads --cores only at start.
        if (m_runningTasks == 0 || m_coresChanged.elapsed() >= CoresChangeDeadlineMs)
            stopWorker();
        else
            QTimer::singleShot(SampleIntervalMs, this, &WorkerSupervisor::reconcile);
    }
    // A paused grid starts nothing; a running worker is frozen in place instead.
    if (!m_process && !m_restart->isActive() && !m_stopping && !m_allowance.paused)
        startWorker();
    if (m_process)
        applyThrottle();
    updateState();
}

void WorkerSupervisor::startWorker()
{
    SandboxSpec spec = m_spec;
    spec.hostName = m_name;
    spec.features = m_features;
    spec.cores = m_allowance.cores;
    spec.memoryMb = m_allowance.memoryMb;
    spec.memoryLimitBytes = quint64(m_allowance.memoryMb) * 1024 * 1024;
    spec.diskMb = m_allowance.diskMb;
    spec.maxProcesses = SandboxSpec::processesFor(spec.cores);
    QDir().mkpath(spec.workDirectory);
    QFile hosts(spec.hostsPath);
    if (!hosts.open(QIODevice::WriteOnly | QIODevice::Truncate) || hosts.write(spec.hostsFile()) < 0) {
        m_lastError = QStringLiteral("cannot write %1: %2").arg(spec.hostsPath, hosts.errorString());
        return;
    }
    hosts.close();
    m_process = new QProcess(this);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    // pvcd blocks SIGTERM and SIGINT to read them from a signalfd: the sandbox must not inherit that.
    m_process->setChildProcessModifier([] {
        sigset_t none;
        sigemptyset(&none);
        pthread_sigmask(SIG_SETMASK, &none, nullptr);
    });
    connect(m_process, &QProcess::readyRead, this, [this] { appendLog(m_process->readAll()); });
    connect(m_process, &QProcess::finished, this, &WorkerSupervisor::onFinished);
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart)
            onFinished(-1, QProcess::CrashExit);
    });
    appendLog(QStringLiteral("--- %1 pvcd starts the worker: %2 %3\n")
                  .arg(QDateTime::currentDateTimeUtc().toString(Qt::ISODate), spec.bwrap, spec.arguments().join(u' '))
                  .toUtf8());
    m_started = m_allowance;
    m_frozen = false;
    m_process->start(spec.bwrap, spec.arguments());
    if (m_process && m_process->processId() > 0) {
        m_processes = std::make_unique<SandboxProcesses>(m_process->processId());
        m_sampler->start();
        qCInfo(lcGrid) << "worker started for" << m_name << "with" << spec.cores << "cores, pid"
                       << m_process->processId();
    }
}

void WorkerSupervisor::stopWorker()
{
    m_throttle->stop();
    if (!m_process)
        return;
    m_stopping = true;
    QProcess* process = m_process;
    // Every process of the sandbox at once, stopped ones included: killing only the worker would
    // leave a task holding its connection, so the manager would not reschedule it until it ends.
    if (m_processes)
        m_processes->signalAll(SIGKILL);
    process->kill();
    process->waitForFinished(StopGraceMs);
    if (m_process == process) // onFinished may have run meanwhile
        onFinished(process->exitCode(), QProcess::NormalExit);
    m_stopping = false;
}

void WorkerSupervisor::onFinished(int exitCode, QProcess::ExitStatus status)
{
    if (!m_process)
        return;
    m_taskPids.clear(); // gone with the sandbox: stopped, not done
    sample();
    m_cpuBase += m_cpuLive;
    m_cpuLive = 0;
    appendLog(m_process->readAll());
    m_sampler->stop();
    m_processes.reset();
    m_process->disconnect(this);
    m_process->deleteLater();
    m_process = nullptr;
    m_frozen = false;
    m_runningTasks = 0;
    m_managerConnected = false;
    Q_EMIT tasksRunningChanged(false);
    if (!m_stopping) {
        m_lastError = status == QProcess::CrashExit ? QStringLiteral("the worker's sandbox could not start or crashed")
                                                    : QStringLiteral("the worker exited with code %1").arg(exitCode);
        qCWarning(lcGrid) << m_lastError << "; restart in" << m_backoffMs << "ms";
        appendLog((QStringLiteral("--- ") + m_lastError + QLatin1Char('\n')).toUtf8());
        m_restart->start(m_backoffMs);
        m_backoffMs = std::min(m_backoffMs * 2, MaxBackoffMs);
    }
    updateState();
}

void WorkerSupervisor::sample()
{
    if (!m_processes)
        return;
    m_cpuLive = std::max(m_cpuLive, m_processes->cpuSeconds());
    // A task is done when its process, seen at an earlier sample, is gone.
    const QList<qint64> tasks = m_processes->childPids(WorkerComm);
    for (const qint64 pid : std::as_const(m_taskPids))
        if (!tasks.contains(pid))
            ++m_tasksDone;
    m_taskPids = tasks;
    const int running = int(tasks.size());
    if ((running > 0) != (m_runningTasks > 0))
        Q_EMIT tasksRunningChanged(running > 0);
    m_runningTasks = running;
    if (m_frozen && !m_processes->allStopped())
        m_processes->signalAll(SIGSTOP); // a process that forked as we stopped the others
    if (++m_samples % DiskCheckEverySamples == 0)
        checkDisk();
    updateState();
}

// The running task whose working directory (/proc/PID/cwd, a path inside the sandbox) holds the most.
qint64 WorkerSupervisor::biggestTask() const
{
    const QString inside = QString::fromLatin1(SandboxSpec::WorkInside);
    qint64 biggest = 0;
    qint64 most = -1;
    for (const qint64 pid : m_processes->childPids(WorkerComm)) {
        const QString cwd = QFileInfo(QStringLiteral("/proc/%1/cwd").arg(pid)).symLinkTarget();
        if (!cwd.startsWith(inside + QLatin1Char('/')))
            continue;
        const qint64 bytes
            = directoryBytes(m_spec.workDirectory + cwd.mid(inside.size()), MaxDiskEntries).value_or(LLONG_MAX);
        if (bytes > most) {
            most = bytes;
            biggest = pid;
        }
    }
    return biggest;
}

void WorkerSupervisor::checkDisk()
{
    if (m_started.diskMb <= 0)
        return;
    const qint64 limit = qint64(m_started.diskMb) << 20;
    const std::optional<qint64> used = directoryBytes(m_spec.workDirectory, MaxDiskEntries);
    m_diskBytes = used.value_or(-1);
    if (used && *used <= limit)
        return;
    // Over the share (or too many files to count): the task whose directory holds the most is stopped;
    // the manager sees it fail and the worker cleans its directory.
    const qint64 task = biggestTask();
    if (task <= 0)
        return;
    ::kill(pid_t(task), SIGKILL);
    ++m_tasksStoppedForDisk;
    m_lastError = used
        ? QStringLiteral("a task was stopped: the grid's files took %1 MB, over the %2 MB given")
              .arg(*used >> 20)
              .arg(m_started.diskMb)
        : QStringLiteral("a task was stopped: more than %1 files in the grid's directory").arg(MaxDiskEntries);
    qCWarning(lcGrid) << m_lastError;
    appendLog((QStringLiteral("--- ") + m_lastError + QLatin1Char('\n')).toUtf8());
}

// Paused: every process stopped. Throttled: a duty cycle of ThrottlePeriodMs, running for the
// allowed share of it. Running: all thawed.
void WorkerSupervisor::applyThrottle()
{
    if (!m_process)
        return;
    const int percent = std::clamp(m_allowance.throttlePercent, 0, 100);
    if (m_allowance.paused || percent == 0) {
        m_throttle->stop();
        setFrozen(true);
        return;
    }
    if (percent >= 100) {
        m_throttle->stop();
        setFrozen(false);
        return;
    }
    // Alternate: run for percent% of the period, stop for the rest.
    const bool runNow = m_frozen;
    setFrozen(!runNow);
    m_throttle->start(runNow ? ThrottlePeriodMs * percent / 100 : ThrottlePeriodMs * (100 - percent) / 100);
}

void WorkerSupervisor::setFrozen(bool frozen)
{
    if (!m_processes || frozen == m_frozen)
        return;
    m_frozen = frozen;
    m_processes->signalAll(frozen ? SIGSTOP : SIGCONT);
    updateState();
}

void WorkerSupervisor::updateState()
{
    State next = State::Stopped;
    if (m_process) {
        if (m_allowance.paused)
            next = State::Paused;
        else if (!m_allowance.acceptsNewWork)
            next = State::Finishing;
        else if (!m_managerConnected)
            next = State::Connecting;
        else
            next = m_runningTasks > 0 ? State::Busy : State::Idle;
    }
    if (next == m_state)
        return;
    m_state = next;
    Q_EMIT stateChanged();
}

QJsonObject WorkerSupervisor::statusJson() const
{
    QJsonObject worker { { QStringLiteral("state"), stateName(m_state) }, { QStringLiteral("manager"), m_manager },
        { QStringLiteral("tasks_running"), m_runningTasks }, { QStringLiteral("tasks_done"), m_tasksDone },
        { QStringLiteral("cpu_seconds"), qRound64(cpuSeconds() * 10) / 10.0 },
        { QStringLiteral("cores"), m_process ? m_started.cores : 0 },
        { QStringLiteral("memory_mb"), m_process ? m_started.memoryMb : 0 },
        { QStringLiteral("disk_mb"), m_process ? m_started.diskMb : 0 },
        { QStringLiteral("disk_used_mb"), m_diskBytes >> 20 },
        { QStringLiteral("max_processes"), m_process ? SandboxSpec::processesFor(m_started.cores) : 0 },
        { QStringLiteral("throttle_percent"), m_allowance.throttlePercent } };
    if (m_process)
        worker.insert(QStringLiteral("pid"), m_process->processId());
    if (!m_lastError.isEmpty())
        worker.insert(QStringLiteral("last_error"), m_lastError);
    worker.insert(QStringLiteral("log"), m_logPath);
    return worker;
}

void WorkerSupervisor::shutdown()
{
    m_restart->stop();
    stopWorker();
}

void WorkerSupervisor::appendLog(const QByteArray& bytes)
{
    if (bytes.isEmpty())
        return;
    if (!m_log) {
        QDir().mkpath(QFileInfo(m_logPath).absolutePath());
        m_log = std::make_unique<QFile>(m_logPath);
        if (!m_log->open(QIODevice::Append)) {
            m_log.reset();
            return;
        }
    }
    m_log->write(bytes);
    m_log->flush();
    if (m_log->size() > MaxLogBytes)
        rotateLog();
}

// worker.log -> worker.log.1 -> ... -> worker.log.N, the oldest dropped.
void WorkerSupervisor::rotateLog()
{
    m_log.reset();
    QFile::remove(m_logPath + QLatin1Char('.') + QString::number(LogGenerations));
    for (int i = LogGenerations - 1; i >= 1; --i)
        QFile::rename(
            m_logPath + QLatin1Char('.') + QString::number(i), m_logPath + QLatin1Char('.') + QString::number(i + 1));
    QFile::rename(m_logPath, m_logPath + QStringLiteral(".1"));
}

} // namespace pvc::core
