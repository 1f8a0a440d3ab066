#include "testgrid.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QLocalSocket>
#include <QTcpServer>
#include <QTest>
#include <QThread>
#include <QUdpSocket>

namespace pvc::test {

quint16 freeLoopbackPort()
{
    // The broker needs the same number for TCP and UDP.
    for (int attempt = 0; attempt < 50; ++attempt) {
        QTcpServer tcp;
        if (!tcp.listen(QHostAddress::LocalHost, 0))
            continue;
        QUdpSocket udp;
        if (udp.bind(QHostAddress::LocalHost, tcp.serverPort()))
            return tcp.serverPort();
    }
    return 0;
}

TestGrid::TestGrid()
{
    m_dir.setAutoRemove(qEnvironmentVariableIsEmpty("PVC_KEEP_TEST_DIRS"));
}

TestGrid::~TestGrid()
{
    // A failed test shows the end of every process's log, so that a CI failure can be read.
    if (QTest::currentTestFailed()) {
        for (const QFileInfo& file : QDir(dir()).entryInfoList({ QStringLiteral("*.log") }, QDir::Files)) {
            QFile f(file.absoluteFilePath());
            if (!f.open(QIODevice::ReadOnly))
                continue;
            const QList<QByteArray> lines = f.readAll().split('\n');
            qWarning().noquote() << "---- last lines of" << file.fileName();
            for (qsizetype i = qMax<qsizetype>(0, lines.size() - 25); i < lines.size(); ++i)
                qWarning().noquote() << QString::fromUtf8(lines[i]);
        }
    }
    for (auto it = m_processes.rbegin(); it != m_processes.rend(); ++it) {
        QProcess* process = it->second;
        if (process->state() != QProcess::NotRunning) {
            process->kill();
            process->waitForFinished(3000);
        }
        delete process;
    }
}

QString TestGrid::binary(const QString& name)
{
    const QString dir = qEnvironmentVariable("PVC_BIN_DIR");
    return (dir.isEmpty() ? QStringLiteral(".") : dir) + QLatin1Char('/') + name;
}

QProcess* TestGrid::startProcess(const QString& key, const QString& binaryName, const QStringList& arguments)
{
    stopProcess(key, true);
    auto* process = new QProcess;
    process->setProgram(binary(binaryName));
    process->setArguments(arguments);
    process->setProcessChannelMode(QProcess::MergedChannels);
    // Logs append across restarts so that a test can read everything a process ever wrote.
    process->setStandardOutputFile(dir() + QLatin1Char('/') + key + QStringLiteral(".log"), QIODevice::Append);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), dir() + QStringLiteral("/run"));
    env.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("pvc.*.debug=true"));
    process->setProcessEnvironment(env);
    process->start();
    if (!process->waitForStarted(5000))
        qWarning() << "cannot start" << binaryName << process->errorString();
    m_processes.append({ key, process });
    return process;
}

void TestGrid::stopProcess(const QString& key, bool kill)
{
    for (qsizetype i = 0; i < m_processes.size(); ++i) {
        if (m_processes[i].first != key)
            continue;
        QProcess* process = m_processes[i].second;
        if (process->state() != QProcess::NotRunning) {
            kill ? process->kill() : process->terminate();
            process->waitForFinished(5000);
        }
        delete process;
        m_processes.removeAt(i);
        return;
    }
}

bool TestGrid::init(int brokers, Pinning pinning)
{
    QDir().mkpath(dir() + QStringLiteral("/run"));
    QFile::setPermissions(dir() + QStringLiteral("/run"), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    QStringList arguments { QStringLiteral("init"), QStringLiteral("--dir"), masterDir(), QStringLiteral("--name"),
        QStringLiteral("Test Grid"), QStringLiteral("--network"), QStringLiteral("240.9.0.0/16") };
    for (int i = 0; i < brokers; ++i) {
        m_brokerAddresses << QStringLiteral("127.0.0.1:%1").arg(freeLoopbackPort());
        QString broker = m_brokerAddresses.last();
        if (pinning == Pinning::Pinned) {
            // As an admin would: the broker's fingerprint, then the bundle that pins it.
            const RunResult fingerprint = run(QStringLiteral("pvc-broker"),
                { QStringLiteral("--state"), dir() + QStringLiteral("/broker%1").arg(i),
                    QStringLiteral("--fingerprint") });
            if (fingerprint.exitCode != 0) {
                qWarning() << "pvc-broker --fingerprint failed:" << fingerprint.err;
                return false;
            }
            broker += QLatin1Char('=') + fingerprint.out.trimmed();
        }
        arguments << QStringLiteral("--broker") << broker;
    }
    const RunResult result = admin(arguments);
    if (result.exitCode != 0)
        qWarning() << "init failed:" << result.err;
    return result.exitCode == 0;
}

QProcess* TestGrid::startBroker(int index)
{
    return startProcess(QStringLiteral("broker%1").arg(index), QStringLiteral("pvc-broker"),
        { QStringLiteral("--listen"), m_brokerAddresses.at(index), QStringLiteral("--state"),
            dir() + QStringLiteral("/broker%1").arg(index) });
}

void TestGrid::stopBroker(int index, bool kill)
{
    stopProcess(QStringLiteral("broker%1").arg(index), kill);
}

QProcess* TestGrid::startMaster()
{
    return startProcess(QStringLiteral("master"), QStringLiteral("pvc-admin"),
        QStringList { QStringLiteral("serve"), QStringLiteral("--dir"), masterDir() } + m_masterOptions);
}

void TestGrid::stopMaster()
{
    stopProcess(QStringLiteral("master"), true);
}

QString TestGrid::invite(int uses, const QString& ttl)
{
    const RunResult result = admin({ QStringLiteral("invite"), QStringLiteral("--dir"), masterDir(),
        QStringLiteral("--uses"), QString::number(uses), QStringLiteral("--ttl"), ttl });
    return result.out.trimmed();
}

QProcess* TestGrid::startHost(const QString& host, const QString& projectFile)
{
    QProcess* process = startProcess(host, QStringLiteral("pvcd"),
        { QStringLiteral("--project"), projectFile.isEmpty() ? this->projectFile() : projectFile,
            QStringLiteral("--state"), stateDir(host), QStringLiteral("--control"), controlPath(host),
            // Loopback tests run in the machine's own network: no SSDP multicast onto its LAN, and no
            // overlay for a worker to reach a manager by.
            QStringLiteral("--no-upnp"), QStringLiteral("--no-worker") });
    // Ready once the control socket answers.
    const QString path = controlPath(host);
    waitFor(
        [&] {
            QLocalSocket probe;
            probe.connectToServer(path);
            return probe.waitForConnected(100) || process->state() == QProcess::NotRunning;
        },
        10000);
    return process;
}

void TestGrid::stopHost(const QString& host, bool kill)
{
    stopProcess(host, kill);
}

RunResult TestGrid::run(const QString& binaryName, const QStringList& arguments, int timeoutMs)
{
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), dir() + QStringLiteral("/run"));
    process.setProcessEnvironment(env);
    process.start(binary(binaryName), arguments);
    RunResult result;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(1000);
        result.err = QStringLiteral("timed out");
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}

RunResult TestGrid::pvc(const QString& host, const QStringList& arguments, int timeoutMs)
{
    return run(
        QStringLiteral("pvc"), QStringList { QStringLiteral("--control"), controlPath(host) } + arguments, timeoutMs);
}

QJsonObject TestGrid::status(const QString& host)
{
    return QJsonDocument::fromJson(pvc(host, { QStringLiteral("status"), QStringLiteral("--json") }).out.toUtf8())
        .object();
}

QJsonArray TestGrid::peers(const QString& host)
{
    return QJsonDocument::fromJson(pvc(host, { QStringLiteral("peers"), QStringLiteral("--json") }).out.toUtf8())
        .array();
}

QJsonObject TestGrid::peer(const QString& host, const QString& name)
{
    for (const QJsonValue& value : peers(host))
        if (value.toObject().value(QLatin1String("name")).toString() == name)
            return value.toObject();
    return {};
}

bool TestGrid::join(const QString& host, const QString& token)
{
    const RunResult result
        = pvc(host, { QStringLiteral("join"), QStringLiteral("--invite"), token, QStringLiteral("--name"), host });
    if (result.exitCode != 0)
        qWarning() << "join of" << host << "failed:" << result.exitCode << result.err;
    return result.exitCode == 0;
}

bool TestGrid::startJoinedGrid(int brokers, const QStringList& hosts)
{
    if (!init(brokers))
        return false;
    for (int i = 0; i < brokers; ++i)
        startBroker(i);
    startMaster();
    for (const QString& host : hosts)
        startHost(host);
    const QString token = invite(int(hosts.size()));
    for (const QString& host : hosts)
        if (!join(host, token))
            return false;
    return true;
}

bool TestGrid::waitFor(const std::function<bool()>& condition, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (condition())
            return true;
        QThread::msleep(100);
    }
    return condition();
}

QString TestGrid::allLogs() const
{
    QString logs;
    for (const QFileInfo& file : QDir(dir()).entryInfoList({ QStringLiteral("*.log") }, QDir::Files)) {
        QFile f(file.absoluteFilePath());
        if (f.open(QIODevice::ReadOnly))
            logs += QString::fromUtf8(f.readAll());
    }
    return logs;
}

} // namespace pvc::test
