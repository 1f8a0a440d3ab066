// The NAT traversal benchmark's shared pieces (bench_nat.cpp, bench_nat_throughput.cpp): the grid's nodes, small
// helpers and the test class.
#pragma once

#include "benchnatreport.h"
#include "ipc/controlclient.h"
#include "labcut.h"
#include "labgrid.h"
#include "udpblock.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTest>
#include <QThread>
#include <csignal>
#include <ctime>
#include <map>
#include <memory>

using pvc::test::LabCut;
using pvc::test::LabGrid;
using pvc::test::LabNetwork;
using pvc::test::RunResult;
using pvc::test::UdpBlock;
using namespace pvc::bench;

namespace benchnat {

inline const QString allowAll
    = QStringLiteral(R"({"format":"pvc-policy-1","rules":[{"from":"any","to":"any","proto":"any","ports":"any"}]})");
inline const QStringList brokers { QStringLiteral("broker1"), QStringLiteral("broker2") };
inline const QString nobody = QStringLiteral("nobody");
inline constexpr quint16 echoPort = 7101; // pvc-bench-tcprr serve on every member, and on the reference host
// A public host every member reaches over the underlay: a connection to it, taken in turn with the ones over the
// tunnel, shows what the machine's load did to those at that moment.
inline const QString referenceNode = QStringLiteral("broker1");
inline constexpr quint16 iperfPort = 5201;
inline constexpr qint64 firstByteTimeoutMs = 30000;
inline constexpr qint64 directBoundMs = 25000; // birthday probing starts after 2 s and runs for 10 s
inline constexpr qint64 relayWatchMs = 3000; // how long a relayed pair is watched after its first byte
inline constexpr int pollMs = 25;
inline constexpr int connectRounds = 20;

// QtTest aborts a test function after 5 minutes unless told otherwise, and reads the setting when the first function
// starts; every wait here has its own bound.
inline const bool functionTimeoutSet = [] {
    if (qEnvironmentVariableIsEmpty("QTEST_FUNCTION_TIMEOUT"))
        qputenv("QTEST_FUNCTION_TIMEOUT", "1800000");
    return true;
}();

// The newcomer is restarted; the other side has been up since the pair started. Every tunnel starts on a relay, so
// the first byte always crosses one; the names say where the pair ends.
inline const QList<Technique> techniques {
    { QStringLiteral("public"), QStringLiteral("pub1"), QStringLiteral("hcone1"), true, true },
    { QStringLiteral("upnp"), QStringLiteral("hupnp1"), QStringLiteral("hcone1"), true, false },
    { QStringLiteral("udp-punch"), QStringLiteral("hcone2"), QStringLiteral("hcone1"), true, false },
    { QStringLiteral("birthday"), QStringLiteral("hsym1"), QStringLiteral("hcone1"), true, false },
    { QStringLiteral("udp-relay"), QStringLiteral("hsym2"), QStringLiteral("hsym1"), false, false },
    // UDP dropped on one side: the TCP relay first, then TCP hole punching.
    { QStringLiteral("tcp-punch"), QStringLiteral("hnoudp1"), QStringLiteral("hcone1"), true, false },
    { QStringLiteral("tcp-punch-noudp-new"), QStringLiteral("hcone1"), QStringLiteral("hnoudp1"), true, false },
    // No TCP hole through a symmetric NAT: the TCP relay stays.
    { QStringLiteral("tcp-relay"), QStringLiteral("hnoudp1"), QStringLiteral("hsym1"), false, false },
};
inline qint64 monoNs()
{
    timespec now {};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return qint64(now.tv_sec) * 1000000000 + now.tv_nsec;
}

inline QString str(const QJsonObject& object, const char* key)
{
    return object.value(QLatin1String(key)).toString();
}

inline int envInt(const char* name, int fallback)
{
    bool ok = false;
    const int value = qEnvironmentVariableIntValue(name, &ok);
    return ok && value > 0 ? value : fallback;
}

// user + system CPU time of a process, all threads, in clock ticks.
inline qint64 cpuTicks(qint64 pid)
{
    QFile file(QStringLiteral("/proc/%1/stat").arg(pid));
    if (pid <= 0 || !file.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray text = file.readAll();
    const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
    return fields.size() > 12 ? fields[11].toLongLong() + fields[12].toLongLong() : 0;
}

} // namespace benchnat

using namespace benchnat;

class BenchNat : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void ttfb_data();
    void ttfb();
    void throughput();

private:
    // A process in the node's namespace, owned here (QProcess kills its own PID when destroyed).
    std::unique_ptr<QProcess> launch(
        const QString& node, const QStringList& argv, bool asNobody, const QString& logFile = {}) const;
    // pvcd as LabGrid starts it, logging to its own file; true once its control socket answers.
    bool startDaemon(const QString& node, const QString& logName);
    // SIGTERM, as a user's shutdown; SIGKILL after 3 s.
    void stopDaemon(const QString& node);
    void stopAllDaemons();
    // Started, a member, connected to both brokers, and done learning its UDP reachability and UPnP mapping.
    bool waitForSettled(const QString& node, int timeoutMs);
    QJsonObject control(const QString& node, const QString& command) const;
    QString kindOf(const QString& node) const;
    QJsonObject peerOf(const QString& node, const QString& name) const;
    bool waitForPeer(const QString& node, const QString& name, const std::function<bool(const QJsonObject&)>& condition,
        int timeoutMs) const;
    Sample measureOnce(const Technique& technique, int run);
    ConnectFigures connectFigures(const QString& from, const QStringList& targets);
    PathFigures measurePath(const QString& label, const QString& client, const QString& server, const QString& target);

    std::unique_ptr<LabNetwork> m_lab;
    std::unique_ptr<LabGrid> m_grid;
    std::map<QString, std::unique_ptr<QProcess>> m_daemons;
    std::vector<std::unique_ptr<QProcess>> m_servers;
    QHash<QString, QString> m_virtualIps;
    QMap<QString, QList<Sample>> m_samples;
    QList<QList<PathFigures>> m_rounds;
    QString m_machine;
    int m_runs = 10;
};
