#include "labgrid.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QThread>
#include <pwd.h>
#include <unistd.h>
#include <vector>

namespace pvc::test {

namespace {

const QString nobody = QStringLiteral("nobody");

} // namespace

LabGrid::LabGrid(LabNetwork& lab, const QString& brokerNode, const QString& masterNode)
    : LabGrid(lab, QStringList { brokerNode }, masterNode)
{
}

LabGrid::LabGrid(LabNetwork& lab, const QStringList& brokerNodes, const QString& masterNode)
    : m_lab(lab)
    , m_brokerNodes(brokerNodes)
    , m_masterNode(masterNode)
    , m_processes(std::make_unique<LabProcesses>(lab, m_dir.path()))
{
    m_dir.setAutoRemove(qEnvironmentVariableIsEmpty("PVC_KEEP_TEST_DIRS"));
    // Only root writes here; nobody may pass through to its own directories and the helper sockets.
    QFile::setPermissions(m_dir.path(),
        QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner | QFileDevice::ExeGroup
            | QFileDevice::ExeOther);
}

LabGrid::~LabGrid()
{
    // Every process first (LabProcesses: members, then the master and the broker, by their own PIDs).
    m_processes.reset();
    if (!m_dir.autoRemove())
        qInfo("LabGrid: kept %s", qPrintable(m_dir.path()));
}

QString LabGrid::binary(const QString& name)
{
    const QString dir
        = qEnvironmentVariable("PVC_BIN_DIR", QCoreApplication::applicationDirPath() + QStringLiteral("/../../bin"));
    return QDir(dir).absoluteFilePath(name);
}

QString LabGrid::brokerAddress() const
{
    return brokerAddress(m_brokerNodes.value(0));
}

QString LabGrid::brokerAddress(const QString& node) const
{
    return m_lab.address(node) + QLatin1Char(':') + QString::number(BrokerPort);
}

QString LabGrid::brokerKey(const QString& node) const
{
    return m_brokerNodes.size() == 1 ? QStringLiteral("broker") : node;
}

bool LabGrid::waitFor(const std::function<bool()>& condition, int timeoutMs, int intervalMs)
{
    const QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (condition())
            return true;
        QThread::msleep(intervalMs);
    }
    return condition();
}

bool LabGrid::chownNobody(const QString& path)
{
    const passwd* pw = ::getpwnam("nobody");
    return pw && ::chown(QFile::encodeName(path).constData(), pw->pw_uid, pw->pw_gid) == 0;
}

QString LabGrid::nobodyDir(const QString& name)
{
    const QString path = dir() + QLatin1Char('/') + name;
    QDir().mkpath(path);
    chownNobody(path);
    QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    return path;
}

QProcess* LabGrid::startLogged(const QString& key, const QString& node, const QStringList& argv, const QString& asUser)
{
    return m_processes->start(key, node, argv, asUser, &m_error);
}

bool LabGrid::start()
{
    {
        QProcess admin;
        QStringList arguments { QStringLiteral("init"), QStringLiteral("--dir"), masterDir(), QStringLiteral("--name"),
            QStringLiteral("Lab Grid"), QStringLiteral("--network"), network(), QStringLiteral("--domain"), domain() };
        // As an admin would: each broker's TLS fingerprint (its key made now, as the broker's user), then the
        // bundle that pins it.
        for (const QString& node : std::as_const(m_brokerNodes)) {
            const RunResult fingerprint = m_lab.exec(node,
                { binary(QStringLiteral("pvc-broker")), QStringLiteral("--state"),
                    nobodyDir(brokerKey(node) + QStringLiteral("-state")), QStringLiteral("--fingerprint") },
                10000, nobody);
            if (fingerprint.exitCode != 0) {
                m_error = QStringLiteral("pvc-broker --fingerprint failed: ") + fingerprint.err;
                return false;
            }
            arguments << QStringLiteral("--broker")
                      << brokerAddress(node) + QLatin1Char('=') + fingerprint.out.trimmed();
        }
        admin.start(binary(QStringLiteral("pvc-admin")), arguments);
        admin.waitForFinished(30000);
        if (admin.exitStatus() != QProcess::NormalExit || admin.exitCode() != 0) {
            m_error = QStringLiteral("pvc-admin init failed: ") + QString::fromLocal8Bit(admin.readAllStandardError());
            return false;
        }
    }
    // The master's directory stays root's (it holds the CA key); hosts read the shipped bundle.
    QFile::remove(projectFile());
    if (!QFile::copy(masterDir() + QStringLiteral("/project.json"), projectFile())) {
        m_error = QStringLiteral("cannot copy project.json");
        return false;
    }
    QFile::setPermissions(projectFile(),
        QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup | QFileDevice::ReadOther);

    for (const QString& node : std::as_const(m_brokerNodes))
        startBroker(node);
    for (const QString& node : std::as_const(m_brokerNodes))
        if (!waitForBroker(node))
            return false;
    QProcess* master = startLogged(QStringLiteral("master"), m_masterNode,
        { binary(QStringLiteral("pvc-admin")), QStringLiteral("serve"), QStringLiteral("--dir"), masterDir() }, {});
    if (master->state() != QProcess::Running) {
        m_error = QStringLiteral("pvc-admin serve did not start: ") + logTail(QStringLiteral("master"));
        return false;
    }
    return true;
}

QProcess* LabGrid::startBroker(const QString& node)
{
    const QString key = brokerKey(node);
    const QString state = nobodyDir(key + QStringLiteral("-state"));
    return startLogged(key, node,
        { binary(QStringLiteral("pvc-broker")), QStringLiteral("--listen"), brokerAddress(node),
            QStringLiteral("--state"), state },
        nobody);
}

bool LabGrid::waitForBroker(const QString& node)
{
    if (!m_lab.waitForListening(node, BrokerPort, false, 10000) || !m_lab.waitForListening(node, BrokerPort, true, 5000)
        || !brokerRunning(node)) {
        m_error = QStringLiteral("the broker in %1 is not listening: %2").arg(node, logTail(brokerKey(node)));
        return false;
    }
    return true;
}

void LabGrid::killBroker(const QString& node)
{
    if (QProcess* broker = process(brokerKey(node)); broker && broker->state() != QProcess::NotRunning) {
        broker->kill();
        broker->waitForFinished(5000);
    }
}

bool LabGrid::restartBroker(const QString& node)
{
    // startLogged replaces the old (dead) process entry under the same key.
    startBroker(node);
    return waitForBroker(node);
}

bool LabGrid::brokerRunning(const QString& node) const
{
    const QProcess* broker = process(brokerKey(node));
    return broker && broker->state() == QProcess::Running;
}

bool LabGrid::setPolicy(const QString& json)
{
    static int counter = 0;
    const QString path = dir() + QStringLiteral("/policy-%1.json").arg(++counter);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(json.toUtf8()) < 0) {
        m_error = QStringLiteral("cannot write ") + path;
        return false;
    }
    file.close();
    QProcess admin;
    admin.setProcessChannelMode(QProcess::MergedChannels);
    admin.start(binary(QStringLiteral("pvc-admin")),
        { QStringLiteral("policy"), QStringLiteral("set"), QStringLiteral("--dir"), masterDir(), path });
    admin.waitForFinished(30000);
    if (admin.exitStatus() != QProcess::NormalExit || admin.exitCode() != 0) {
        m_error = QStringLiteral("pvc-admin policy set failed: ") + QString::fromLocal8Bit(admin.readAll());
        return false;
    }
    return true;
}

QString LabGrid::invite(int uses, const QString& group)
{
    QStringList arguments { QStringLiteral("invite"), QStringLiteral("--dir"), masterDir(), QStringLiteral("--uses"),
        QString::number(uses), QStringLiteral("--ttl"), QStringLiteral("1h") };
    if (!group.isEmpty())
        arguments << QStringLiteral("--group") << group;
    QProcess admin;
    admin.start(binary(QStringLiteral("pvc-admin")), arguments);
    admin.waitForFinished(30000);
    if (admin.exitStatus() != QProcess::NormalExit || admin.exitCode() != 0) {
        m_error = QStringLiteral("pvc-admin invite failed: ") + QString::fromLocal8Bit(admin.readAllStandardError());
        return {};
    }
    return QString::fromLatin1(admin.readAllStandardOutput()).trimmed();
}

bool LabGrid::startMember(const QString& node)
{
    return startMembers({ node });
}

bool LabGrid::startMembers(const QStringList& nodes)
{
    QList<QProcess*> helpers;
    for (const QString& node : nodes)
        helpers << startHelper(node);
    for (qsizetype i = 0; i < nodes.size(); ++i) {
        const QString& node = nodes[i];
        QProcess* helper = helpers[i];
        if (!waitFor(
                [&] { return QFileInfo::exists(helperSocket(node)) || helper->state() != QProcess::Running; }, 5000)
            || helper->state() != QProcess::Running) {
            m_error = QStringLiteral("pvc-helper did not start in %1: %2")
                          .arg(node, logTail(node + QStringLiteral("-helper")));
            return false;
        }
    }
    for (const QString& node : nodes) {
        nobodyDir(node + QStringLiteral("-state"));
        nobodyDir(node + QStringLiteral("-run"));
        launchDaemon(node);
    }
    return waitForDaemons(nodes, 10000 + 1000 * int(nodes.size()));
}

QProcess* LabGrid::startHelper(const QString& node)
{
    // The helper, as root, makes the socket nobody's (mode 0600) in this root-owned directory.
    return startLogged(node + QStringLiteral("-helper"), node,
        { binary(QStringLiteral("pvc-helper")), QStringLiteral("--socket"), helperSocket(node),
            QStringLiteral("--allow-user"), nobody },
        {});
}

QProcess* LabGrid::launchDaemon(const QString& node)
{
    // env execs in place too, so the PID stays pvcd's.
    QStringList argv { QStringLiteral("env"), QStringLiteral("XDG_RUNTIME_DIR=") + runtimeDir(node),
        binary(QStringLiteral("pvcd")), QStringLiteral("--project"), projectFile(), QStringLiteral("--state"),
        stateDir(node), QStringLiteral("--control"), controlPath(node), QStringLiteral("--helper"),
        helperSocket(node) };
    if (!m_workerNodes.contains(node))
        argv << QStringLiteral("--no-worker");
    argv << m_daemonArguments.value(node);
    return startLogged(node + QStringLiteral("-pvcd"), node, argv, nobody);
}

bool LabGrid::waitForDaemons(const QStringList& nodes, int timeoutMs)
{
    QStringList waiting = nodes;
    const bool ready = waitFor(
        [&] {
            for (qsizetype i = waiting.size() - 1; i >= 0; --i) {
                const QString& node = waiting[i];
                if (!daemonRunning(node))
                    return true; // it died: no point waiting for the others
                if (QFileInfo::exists(controlPath(node))
                    && pvc(node, { QStringLiteral("status"), QStringLiteral("--json") }, 5000).exitCode == 0)
                    waiting.removeAt(i);
            }
            return waiting.isEmpty();
        },
        timeoutMs);
    for (const QString& node : std::as_const(waiting)) {
        if (!ready || !daemonRunning(node)) {
            m_error
                = QStringLiteral("pvcd did not come up in %1: %2").arg(node, logTail(node + QStringLiteral("-pvcd")));
            return false;
        }
    }
    return waiting.isEmpty();
}

bool LabGrid::startDaemon(const QString& node)
{
    launchDaemon(node);
    return waitForDaemons({ node }, 10000);
}

bool LabGrid::restartDaemon(const QString& node)
{
    // startLogged replaces the old (dead) process entry under the same key.
    return startDaemon(node);
}

void LabGrid::killDaemon(const QString& node)
{
    if (QProcess* daemon = process(node + QStringLiteral("-pvcd")); daemon && daemon->state() != QProcess::NotRunning) {
        daemon->kill();
        daemon->waitForFinished(5000);
    }
}

bool LabGrid::stopDaemon(const QString& node, int timeoutMs)
{
    QProcess* daemon = process(node + QStringLiteral("-pvcd"));
    if (!daemon || daemon->state() == QProcess::NotRunning)
        return true;
    daemon->terminate();
    if (daemon->waitForFinished(timeoutMs))
        return daemon->exitStatus() == QProcess::NormalExit;
    daemon->kill();
    daemon->waitForFinished(5000);
    return false;
}

bool LabGrid::daemonRunning(const QString& node) const
{
    const QProcess* daemon = process(node + QStringLiteral("-pvcd"));
    return daemon && daemon->state() == QProcess::Running;
}

bool LabGrid::writeResolvConf(const QString& node)
{
    const QString address = virtualIp(node);
    if (address.isEmpty()) {
        m_error = QStringLiteral("%1 has no virtual IP yet").arg(node);
        return false;
    }
    return m_resolvConf.write(m_lab.namespaceName(node), address, domain(), &m_error);
}

} // namespace pvc::test
