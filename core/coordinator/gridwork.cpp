#include "coordinator/gridwork.h"

#include "common/logging.h"
#include "coordinator/enrolment.h"
#include "coordinator/peerdirectory.h"
#include "coordinator/policystore.h"
#include "grid/managerrelay.h"
#include "grid/ownercontrol.h"
#include "grid/saboteurshell.h"
#include "grid/workersupervisor.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>

namespace pvc::core {

namespace {
// PVC_SANDBOX_RELAY overrides where pvc-sandbox-relay is (it is installed beside pvcd).
QString relayProgram()
{
    const QString set = qEnvironmentVariable("PVC_SANDBOX_RELAY");
    return set.isEmpty() ? QCoreApplication::applicationDirPath() + QStringLiteral("/pvc-sandbox-relay") : set;
}

SandboxSpec baseSpec(const QString& stateDirectory, const QString& socketPath)
{
    const QString gridDirectory = stateDirectory + QStringLiteral("/grid");
    SandboxSpec spec;
    spec.bwrap = QStandardPaths::findExecutable(QStringLiteral("bwrap"));
    spec.worker = QStandardPaths::findExecutable(QStringLiteral("work_queue_worker"));
    spec.relay = relayProgram();
    spec.workDirectory = gridDirectory + QStringLiteral("/work");
    spec.hostsPath = gridDirectory + QStringLiteral("/hosts");
    spec.socketPath = socketPath;
    spec.dataDirectory = stateDirectory + QStringLiteral("/data");
    spec.dataSocketPath = gridDirectory + QStringLiteral("/data.sock");
    return spec;
}

QString missingProgram(const SandboxSpec& spec)
{
    if (spec.bwrap.isEmpty())
        return QStringLiteral("bwrap is not installed (Debian package bubblewrap)");
    if (spec.worker.isEmpty())
        return QStringLiteral("work_queue_worker is not installed (Debian package coop-computing-tools)");
    if (!spec.worker.startsWith(QLatin1String("/usr/")))
        return QStringLiteral("work_queue_worker must be under /usr to be seen in the sandbox: %1").arg(spec.worker);
    if (!QFileInfo(spec.relay).isExecutable())
        return QStringLiteral("pvc-sandbox-relay is missing: %1").arg(spec.relay);
    return {};
}
} // namespace

GridWork::GridWork(const QString& stateDirectory, const Modules& modules, QObject* parent)
    : QObject(parent)
    , m_modules(modules)
    , m_socketPath(stateDirectory + QStringLiteral("/grid/manager.sock"))
{
    const SandboxSpec spec = baseSpec(stateDirectory, m_socketPath);
    m_dataSocketPath = spec.dataSocketPath;
    m_dataGate = new DataGate(spec.dataDirectory, QString::fromLatin1(SandboxSpec::DataInside), this);
    QDir().mkpath(spec.dataDirectory);
    m_unavailable = missingProgram(spec);
    m_worker = new WorkerSupervisor(spec, stateDirectory + QStringLiteral("/logs/worker.log"), this);
    m_relay = new ManagerRelay(
        [this]() -> std::optional<ManagerRelay::Target> {
            const ManagerAddress manager = m_modules.policies->current()->manager();
            const auto address = m_modules.peers->addressOf(manager.host);
            if (!address)
                return std::nullopt;
            return ManagerRelay::Target { QHostAddress(*address), manager.port };
        },
        this);
    connect(m_relay, &ManagerRelay::connectedChanged, m_worker,
        [this](int connected) { m_worker->setManagerConnected(connected > 0); });
    connect(m_worker, &WorkerSupervisor::tasksRunningChanged, m_modules.owner, &OwnerControl::setWorkRunning);
    m_modules.owner->setGridCpuSeconds([this] { return m_worker->cpuSeconds(); });
}

GridWork::~GridWork()
{
    m_worker->shutdown();
}

void GridWork::start()
{
    connect(m_modules.enrolment, &Enrolment::becameMember, this, &GridWork::updateMember);
    connect(m_modules.enrolment, &Enrolment::membershipEnded, this, &GridWork::updateMember);
    connect(m_modules.owner, &OwnerControl::stateChanged, this, &GridWork::updateAllowance);
    connect(m_modules.owner, &OwnerControl::preferencesChanged, this, &GridWork::updateAllowance);
    connect(m_modules.policies, &PolicyStore::policyChanged, this,
        [this] { m_worker->setManagerName(m_modules.policies->current()->manager().toString()); });
    m_worker->setManagerName(m_modules.policies->current()->manager().toString());
    if (!m_unavailable.isEmpty()) {
        qCWarning(lcGrid) << "no grid work on this host:" << m_unavailable;
        return;
    }
    QDir().mkpath(QFileInfo(m_socketPath).absolutePath());
    QString error;
    if (!m_relay->listen(m_socketPath, &error) || !m_dataGate->listen(m_dataSocketPath, &error)) {
        m_unavailable = error;
        qCWarning(lcGrid) << "no grid work on this host:" << error;
        return;
    }
    updateAllowance();
    updateMember();
}

void GridWork::updateMember()
{
    if (!m_unavailable.isEmpty())
        return;
    if (m_modules.enrolment->state() != Enrolment::State::Member) {
        m_worker->clearMember();
        return;
    }
    const QString name = m_modules.enrolment->name();
    // Features: the host itself, so that a task can be pinned to it, and its certificate's groups.
    QStringList features { QStringLiteral("pvc-host-") + name };
    for (const QString& group : m_modules.enrolment->groups())
        features << QStringLiteral("pvc-group-") + group;
    m_worker->setMember(name, features);
}

void GridWork::updateAllowance()
{
    const PolicyDecision& decision = m_modules.owner->decision();
    WorkerSupervisor::Allowance allowance;
    allowance.run = true;
    if (decision.allowedCores > 0)
        m_lastCores = decision.allowedCores;
    // A pause keeps the worker and its cores, stopped; the cores come back with the resume.
    allowance.cores = decision.allowedCores > 0
        ? decision.allowedCores
        : (m_lastCores > 0 ? m_lastCores : m_modules.owner->preferences().effectiveCores());
    allowance.paused = decision.state == PolicyDecision::State::Paused;
    allowance.throttlePercent = allowance.paused ? 0 : decision.throttlePercent;
    allowance.acceptsNewWork = decision.acceptsNewWork || allowance.paused;
    const OwnerPreferences& preferences = m_modules.owner->preferences();
    allowance.memoryMb = int(preferences.memoryMb());
    allowance.diskMb = preferences.diskGb * 1024;
    m_worker->setAllowance(allowance);
}

QJsonObject GridWork::statusJson() const
{
    QJsonObject worker = m_worker->statusJson();
    if (!m_unavailable.isEmpty())
        worker.insert(QStringLiteral("last_error"), m_unavailable);
    return worker;
}

#ifdef PVC_TEST_SWITCHES
// The saboteur's shell (grid/saboteurshell.h), bound over the sandbox's /usr/bin/sh.
void GridWork::setTestSaboteur()
{
    const QString path = QFileInfo(m_socketPath).absolutePath() + QStringLiteral("/saboteur-sh");
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile script(path);
    if (!script.open(QIODevice::WriteOnly | QIODevice::Truncate) || script.write(SaboteurShell) < 0) {
        qCWarning(lcGrid) << "cannot write the saboteur's shell" << path;
        return;
    }
    script.close();
    QFile::setPermissions(
        path, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadOther | QFile::ExeOther);
    m_worker->setSaboteurShell(path);
    qCWarning(lcGrid) << "TEST SWITCH: this volunteer is a saboteur, its tasks' outputs are altered";
}
#endif

} // namespace pvc::core
