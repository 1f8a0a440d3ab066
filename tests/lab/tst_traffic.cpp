// The data plane as users meet it, end to end on the lab network (docs/lab.md): real pvc-broker,
// `pvc-admin serve`, pvc-helper and pvcd processes in network namespaces, and ordinary programs
// (ping, socat, getent, tcpdump) using the overlay. Needs root; skipped otherwise.
#include "labgrid.h"
#include "pcapsummary.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTest>
#include <QtEndian>
#include <cerrno>
#include <csignal>
#include <memory>

using pvc::test::Capture;
using pvc::test::LabGrid;
using pvc::test::LabNetwork;
using pvc::test::readPcap;
using pvc::test::RunResult;

namespace {

const QString alice = QStringLiteral("alice");
const QString bob = QStringLiteral("bob");
const QString master = QStringLiteral("master");
const QString broker = QStringLiteral("broker");
const QString nobody = QStringLiteral("nobody");
constexpr quint16 dataPort = 9123;
constexpr quint16 otherPort = 9124;
const QString allowAll
    = QStringLiteral(R"({"format":"pvc-policy-1","rules":[{"from":"any","to":"any","proto":"any","ports":"any"}]})");
const QString volunteersToMaster = QStringLiteral(
    R"({"format":"pvc-policy-1","rules":[{"from":"group:volunteer","to":"group:master","proto":"tcp","ports":"9123"}]})");
const QByteArray marker = QByteArrayLiteral("PVC-PLAINTEXT-MARKER-");

QString str(const QJsonObject& object, const char* key)
{
    return object.value(QLatin1String(key)).toString();
}

QByteArray sha256Of(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&file);
    return hash.result().toHex();
}

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(bytes) != bytes.size())
        return false;
    file.close();
    return QFile::setPermissions(
        path, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup | QFileDevice::ReadOther);
}

QByteArray randomBytes(qsizetype size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32*>(bytes.data()), size / 4);
    return bytes;
}

} // namespace

class TstTraffic : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();

    void trafficFlows();
    void policyHolds();
    void brokerSeesNothing();
    void peersComeAndGo();

private:
    // The public-pair lab with a running broker and master, and the global policy set.
    void startGrid(const QString& policy);
    // helper + pvcd on each node, then `pvc join` with one invite (of the given group) for them all.
    void joinMembers(const QStringList& nodes, const QString& group = {});
    // ping as nobody; the number of replies.
    int pingReplies(const QString& from, const QString& target, int count);
    // Polls single pings until one is answered; the elapsed ms, or -1.
    qint64 waitForPingReply(const QString& from, const QString& target, int timeoutMs);

    struct Transfer {
        int clientExit = -1;
        QString clientError;
        bool listenerDone = false;
        bool arrived = false; // the receiving file exists
        QByteArray receivedSha;
        double seconds = 0;
    };
    // A socat listener as nobody on `to`, bound to bindAddress:port, writing what it receives to a
    // file; then a socat client as nobody on `from` sending `source` to target:port. Bounded waits.
    Transfer transfer(const QString& from, const QString& to, const QString& target, const QString& bindAddress,
        quint16 port, const QString& source, int connectTimeoutS = 5);
    QProcess* startCapture(const QString& node, const QString& file, const QStringList& filter, const QString& device);
    void stopCapture(QProcess* capture);
    qint64 refusedInbound(const QString& node);

    std::unique_ptr<LabNetwork> m_lab;
    std::unique_ptr<LabGrid> m_grid;
    int m_transfers = 0;
};

void TstTraffic::initTestCase()
{
    if (!LabNetwork::isRoot())
        QSKIP("the lab needs root (network namespaces, pvc-helper)");
    for (const char* tool : { "ip", "nft", "socat", "ping", "setpriv", "ss", "tcpdump", "getent", "env" }) {
        QVERIFY2(!QStandardPaths::findExecutable(QString::fromLatin1(tool)).isEmpty(),
            qPrintable(
                QStringLiteral("%1 is missing; see installer/debian-packages.txt").arg(QString::fromLatin1(tool))));
    }
    for (const char* binary : { "pvc-admin", "pvc-broker", "pvc-helper", "pvcd", "pvc" })
        QVERIFY2(QFileInfo(LabGrid::binary(QString::fromLatin1(binary))).isExecutable(),
            qPrintable(LabGrid::binary(QString::fromLatin1(binary)) + QStringLiteral(" is not built")));
    LabNetwork::sweepStale();
}

void TstTraffic::cleanup()
{
    if (m_grid && QTest::currentTestFailed())
        qInfo("%s", qPrintable(m_grid->logTails(30)));
    QList<qint64> pids;
    QString prefix;
    if (m_grid)
        pids = m_grid->startedPids();
    m_grid.reset();
    if (m_lab)
        prefix = m_lab->prefix();
    m_lab.reset();
    if (prefix.isEmpty())
        return;
    // Nothing outlives the test: no namespace, no process, no resolv.conf.
    QVERIFY2(LabNetwork::namespacesWithPrefix(prefix).isEmpty(),
        qPrintable(LabNetwork::namespacesWithPrefix(prefix).join(QLatin1Char(' '))));
    for (const qint64 pid : std::as_const(pids))
        QVERIFY2(::kill(pid_t(pid), 0) != 0 && errno == ESRCH, qPrintable(QStringLiteral("pid %1 lives").arg(pid)));
    for (const QString& node : { alice, bob, master, broker })
        QVERIFY(!QFileInfo::exists(QStringLiteral("/etc/netns/%1-%2").arg(prefix, node)));
}

void TstTraffic::startGrid(const QString& policy)
{
    if (!m_lab) {
        m_lab = std::make_unique<LabNetwork>(LabNetwork::topology(QStringLiteral("public-pair")));
        QVERIFY2(m_lab->isUp(), qPrintable(m_lab->error()));
    }
    m_grid = std::make_unique<LabGrid>(*m_lab);
    QVERIFY2(m_grid->start(), qPrintable(m_grid->error()));
    // A running master publishes a new policy within a second.
    QVERIFY2(m_grid->setPolicy(policy), qPrintable(m_grid->error()));
}

void TstTraffic::joinMembers(const QStringList& nodes, const QString& group)
{
    for (const QString& node : nodes)
        QVERIFY2(m_grid->startMember(node), qPrintable(m_grid->error()));
    const QString token = m_grid->invite(int(nodes.size()), group);
    QVERIFY2(!token.isEmpty(), qPrintable(m_grid->error()));
    for (const QString& node : nodes) {
        QElapsedTimer timer;
        timer.start();
        QVERIFY2(m_grid->join(node, token), qPrintable(m_grid->error()));
        qInfo("%s joined in %lld ms as %s", qPrintable(node), timer.elapsed(), qPrintable(m_grid->virtualIp(node)));
        const QJsonObject status = m_grid->status(node);
        QCOMPARE(str(status, "state"), QStringLiteral("member"));
        QCOMPARE(str(status.value(QLatin1String("tunnel")).toObject(), "interface"), QStringLiteral("pvc0"));
    }
}

int TstTraffic::pingReplies(const QString& from, const QString& target, int count)
{
    const RunResult r = m_lab->exec(from,
        { QStringLiteral("ping"), QStringLiteral("-n"), QStringLiteral("-c"), QString::number(count),
            QStringLiteral("-i"), QStringLiteral("0.2"), QStringLiteral("-W"), QStringLiteral("2"), target },
        count * 3000 + 5000, nobody);
    const QRegularExpressionMatch m = QRegularExpression(QStringLiteral("(\\d+) received")).match(r.out);
    if (!m.hasMatch())
        qInfo("ping %s from %s: %s %s", qPrintable(target), qPrintable(from), qPrintable(r.out), qPrintable(r.err));
    return m.hasMatch() ? m.captured(1).toInt() : 0;
}

qint64 TstTraffic::waitForPingReply(const QString& from, const QString& target, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < timeoutMs) {
        const RunResult r = m_lab->exec(from,
            { QStringLiteral("ping"), QStringLiteral("-n"), QStringLiteral("-c"), QStringLiteral("1"),
                QStringLiteral("-W"), QStringLiteral("1"), target },
            5000, nobody);
        if (r.exitCode == 0)
            return timer.elapsed();
    }
    return -1;
}

TstTraffic::Transfer TstTraffic::transfer(const QString& from, const QString& to, const QString& target,
    const QString& bindAddress, quint16 port, const QString& source, int connectTimeoutS)
{
    Transfer result;
    const QString received = m_grid->nobodyDir(QStringLiteral("received"))
        + QStringLiteral("/%1-%2-%3.bin").arg(to).arg(port).arg(++m_transfers);
    // No fork: the listener takes one connection and exits when it ends; -T bounds a stalled transfer.
    QProcess* listener = m_lab->spawn(to,
        { QStringLiteral("socat"), QStringLiteral("-u"), QStringLiteral("-T"), QStringLiteral("20"),
            QStringLiteral("TCP4-LISTEN:%1,bind=%2,reuseaddr").arg(port).arg(bindAddress),
            QStringLiteral("OPEN:%1,creat,trunc").arg(received) },
        nobody);
    if (!m_lab->waitForListening(to, port, false, 5000)) {
        result.clientError = QStringLiteral("the listener on %1 port %2 never listened").arg(to).arg(port);
        return result;
    }
    QElapsedTimer timer;
    timer.start();
    const RunResult client = m_lab->exec(from,
        { QStringLiteral("socat"), QStringLiteral("-u"), QStringLiteral("-T"), QStringLiteral("20"),
            QStringLiteral("OPEN:%1").arg(source),
            QStringLiteral("TCP4:%1:%2,connect-timeout=%3").arg(target).arg(port).arg(connectTimeoutS) },
        (connectTimeoutS + 40) * 1000, nobody);
    result.clientExit = client.exitCode;
    result.clientError = client.err.trimmed();
    if (client.exitCode == 0)
        result.listenerDone = listener->waitForFinished(30000) && listener->exitCode() == 0;
    result.seconds = double(timer.nsecsElapsed()) / 1e9;
    if (listener->state() != QProcess::NotRunning) {
        listener->kill(); // by its PID (setpriv execs socat in place)
        listener->waitForFinished(3000);
    }
    result.arrived = QFileInfo::exists(received);
    result.receivedSha = sha256Of(received);
    return result;
}

QProcess* TstTraffic::startCapture(
    const QString& node, const QString& file, const QStringList& filter, const QString& device)
{
    // -U: write each packet at once; -Z root: no switch to the tcpdump user, which could not write here.
    QProcess* capture = m_lab->spawn(node,
        QStringList { QStringLiteral("tcpdump"), QStringLiteral("-i"), device, QStringLiteral("-n"),
            QStringLiteral("-U"), QStringLiteral("-s"), QStringLiteral("0"), QStringLiteral("-Z"),
            QStringLiteral("root"), QStringLiteral("-w"), file }
            + filter);
    QByteArray said;
    const bool listening = LabGrid::waitFor(
        [&] {
            capture->waitForReadyRead(100);
            said += capture->readAllStandardError();
            return said.contains("listening on") || capture->state() != QProcess::Running;
        },
        10000, 10);
    if (!listening || capture->state() != QProcess::Running)
        qWarning("tcpdump on %s %s did not start: %s", qPrintable(node), qPrintable(device), said.constData());
    return capture;
}

void TstTraffic::stopCapture(QProcess* capture)
{
    // SIGINT, not SIGKILL: tcpdump flushes and closes the file.
    if (capture->state() == QProcess::Running)
        ::kill(pid_t(capture->processId()), SIGINT);
    if (!capture->waitForFinished(5000)) {
        capture->kill();
        capture->waitForFinished(3000);
    }
}

qint64 TstTraffic::refusedInbound(const QString& node)
{
    return m_grid->status(node)
        .value(QLatin1String("tunnel"))
        .toObject()
        .value(QLatin1String("refused_inbound"))
        .toInteger(-1);
}

// Two volunteers on public addresses: ping and TCP across the overlay, by virtual IP and by name, on a
// direct path.
void TstTraffic::trafficFlows()
{
    startGrid(allowAll);
    if (QTest::currentTestFailed())
        return;
    joinMembers({ alice, bob });
    if (QTest::currentTestFailed())
        return;
    QVERIFY2(m_grid->waitForAuthenticated(alice, bob), QJsonDocument(m_grid->peers(alice)).toJson().constData());
    QVERIFY(m_grid->waitForAuthenticated(bob, alice));
    const QString aliceIp = m_grid->virtualIp(alice);
    const QString bobIp = m_grid->virtualIp(bob);
    QVERIFY(!aliceIp.isEmpty() && !bobIp.isEmpty() && aliceIp != bobIp);

    const qint64 firstReply = waitForPingReply(alice, bobIp, 20000);
    QVERIFY2(firstReply >= 0, "alice never got a ping reply from bob's virtual IP");
    qInfo("first ping reply alice -> bob %lld ms after bob's 'pvc join' started", m_grid->joinedFor(bob));
    QCOMPARE(pingReplies(alice, bobIp, 3), 3);

    // Names, through pvcd's DNS on each host's own virtual IP.
    QVERIFY2(m_grid->writeResolvConf(alice), qPrintable(m_grid->error()));
    QVERIFY2(m_grid->writeResolvConf(bob), qPrintable(m_grid->error()));
    const RunResult resolved = m_lab->exec(
        alice, { QStringLiteral("getent"), QStringLiteral("hosts"), QStringLiteral("bob.pvc") }, 10000, nobody);
    QCOMPARE(resolved.exitCode, 0);
    QCOMPARE(resolved.out.simplified().section(QLatin1Char(' '), 0, 0), bobIp);
    const RunResult reverse = m_lab->exec(
        bob, { QStringLiteral("getent"), QStringLiteral("hosts"), QStringLiteral("alice") }, 10000, nobody);
    QCOMPARE(reverse.out.simplified().section(QLatin1Char(' '), 0, 0), aliceIp);
    QCOMPARE(pingReplies(alice, QStringLiteral("bob.pvc"), 3), 3);

    // 4 MiB of random bytes, by address and by name.
    const QString source = m_grid->dir() + QStringLiteral("/random.bin");
    QVERIFY(writeFile(source, randomBytes(4 * 1024 * 1024)));
    const QByteArray sha = sha256Of(source);
    for (const QString& target : { bobIp, QStringLiteral("bob.pvc") }) {
        const Transfer t = transfer(alice, bob, target, bobIp, dataPort, source);
        QVERIFY2(t.clientExit == 0, qPrintable(target + QStringLiteral(": ") + t.clientError));
        QVERIFY(t.listenerDone);
        QCOMPARE(t.receivedSha, sha);
        qInfo("4 MiB alice -> %s: %.3f s, %.1f MiB/s", qPrintable(target), t.seconds, 4.0 / t.seconds);
    }

    // Both sides talk directly, to each other's public address, and the data went through the tunnel.
    const QJsonObject bobSeen = m_grid->peer(alice, bob);
    const QJsonObject aliceSeen = m_grid->peer(bob, alice);
    QCOMPARE(str(bobSeen, "path"), QStringLiteral("direct"));
    QCOMPARE(str(aliceSeen, "path"), QStringLiteral("direct"));
    QVERIFY2(str(bobSeen, "endpoint").startsWith(m_lab->address(bob) + QLatin1Char(':')),
        qPrintable(str(bobSeen, "endpoint")));
    QVERIFY2(str(aliceSeen, "endpoint").startsWith(m_lab->address(alice) + QLatin1Char(':')),
        qPrintable(str(aliceSeen, "endpoint")));
    QVERIFY(aliceSeen.value(QLatin1String("bytes_in")).toInteger() >= 2 * 4 * 1024 * 1024);
    QVERIFY(bobSeen.value(QLatin1String("bytes_out")).toInteger() >= 2 * 4 * 1024 * 1024);
}

// The global policy lets volunteers reach the master's TCP 9123 and nothing else.
void TstTraffic::policyHolds()
{
    startGrid(volunteersToMaster);
    if (QTest::currentTestFailed())
        return;
    joinMembers({ master }, QStringLiteral("master"));
    if (QTest::currentTestFailed())
        return;
    joinMembers({ alice, bob });
    if (QTest::currentTestFailed())
        return;
    for (const auto& [from, to] : { std::pair { alice, master }, std::pair { bob, master }, std::pair { alice, bob } })
        QVERIFY2(m_grid->waitForAuthenticated(from, to) && m_grid->waitForAuthenticated(to, from),
            qPrintable(from + QStringLiteral(" <-> ") + to));
    for (const QString& node : { alice, bob, master })
        QVERIFY2(LabGrid::waitFor(
                     [&] {
                         return m_grid->status(node)
                                    .value(QLatin1String("policy"))
                                    .toObject()
                                    .value(QLatin1String("global_version"))
                                    .toInteger()
                             >= 1;
                     },
                     10000),
            qPrintable(node + QStringLiteral(" never got the global policy")));

    // What the master's owner sees: the global policy, loaded; the master's own group.
    const QJsonObject status = m_grid->status(master);
    const QJsonObject policy = status.value(QLatin1String("policy")).toObject();
    QVERIFY(policy.value(QLatin1String("global_version")).toInteger() >= 1);
    QCOMPARE(policy.value(QLatin1String("global_rules")).toInt(), 1);
    const QJsonObject rule
        = policy.value(QLatin1String("global")).toObject().value(QLatin1String("rules")).toArray().first().toObject();
    QCOMPARE(str(rule, "from"), QStringLiteral("group:volunteer"));
    QCOMPARE(str(rule, "to"), QStringLiteral("group:master"));
    QCOMPARE(str(rule, "proto"), QStringLiteral("tcp"));
    QCOMPARE(str(rule, "ports"), QStringLiteral("9123"));
    QVERIFY(status.value(QLatin1String("groups")).toArray().contains(QStringLiteral("master")));

    const QString masterIp = m_grid->virtualIp(master);
    const QString bobIp = m_grid->virtualIp(bob);
    const QString source = m_grid->dir() + QStringLiteral("/job.txt");
    QVERIFY(writeFile(source, QByteArrayLiteral("a work unit for the master\n").repeated(1000)));
    const QByteArray sha = sha256Of(source);

    // Allowed: a volunteer to the master's manager port.
    const Transfer allowed = transfer(alice, master, masterIp, masterIp, dataPort, source);
    QVERIFY2(allowed.clientExit == 0, qPrintable(allowed.clientError));
    QCOMPARE(allowed.receivedSha, sha);

    // Refused: another port of the master, where a listener waits; the SYNs are dropped by policy.
    const qint64 masterRefused = refusedInbound(master);
    const Transfer otherPortTry = transfer(alice, master, masterIp, masterIp, otherPort, source, 4);
    QVERIFY2(otherPortTry.clientExit != 0, "alice reached the master's port 9124");
    QVERIFY2(!otherPortTry.arrived, "data arrived on the master's port 9124");
    QVERIFY2(refusedInbound(master) > masterRefused, "the master's pvcd did not count the refused packets");

    // Refused: a volunteer to another volunteer, even on 9123.
    QVERIFY(m_grid->waitForPeer(
        alice, bob, [](const QJsonObject& p) { return str(p, "path") != QLatin1String("none"); }, 10000));
    const qint64 bobRefused = refusedInbound(bob);
    const Transfer peerTry = transfer(alice, bob, bobIp, bobIp, dataPort, source, 4);
    QVERIFY2(peerTry.clientExit != 0, "alice reached bob's port 9123");
    QVERIFY2(!peerTry.arrived, "data arrived at bob");
    QVERIFY2(refusedInbound(bob) > bobRefused, "bob's pvcd did not count the refused packets");
    qInfo("refused inbound packets: master %lld, bob %lld", refusedInbound(master), refusedInbound(bob));

    // And the allowed flow still works afterwards.
    const Transfer again = transfer(bob, master, masterIp, masterIp, dataPort, source);
    QVERIFY2(again.clientExit == 0, qPrintable(again.clientError));
    QCOMPARE(again.receivedSha, sha);
}

// With no direct UDP between the two volunteers, their tunnel runs through the broker, which relays
// only ciphertext.
void TstTraffic::brokerSeesNothing()
{
    m_lab = std::make_unique<LabNetwork>(LabNetwork::topology(QStringLiteral("public-pair")));
    QVERIFY2(m_lab->isUp(), qPrintable(m_lab->error()));
    // Before anything runs: each drops UDP to the other's public address; the broker stays reachable.
    for (const auto& [node, other] : { std::pair { alice, bob }, std::pair { bob, alice } }) {
        const QString rules = QStringLiteral("table inet pvctest {\n"
                                             "    chain output {\n"
                                             "        type filter hook output priority filter; policy accept;\n"
                                             "        ip daddr %1 meta l4proto udp drop\n"
                                             "    }\n"
                                             "}\n")
                                  .arg(m_lab->address(other));
        const QString file = QDir::tempPath() + QStringLiteral("/%1-%2.nft").arg(m_lab->prefix(), node);
        QVERIFY(writeFile(file, rules.toUtf8()));
        const RunResult r = m_lab->exec(node, { QStringLiteral("nft"), QStringLiteral("-f"), file });
        QFile::remove(file);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    }
    // Bob also has an address no peer can reach, a home LAN address (198.19.200.0/24 is routed nowhere
    // in this lab; an address in 198.18.0.0/16 would not do, since bob answers ARP for any of his
    // addresses on eth0). Alice tries it as well, so her direct trial outlasts bob's: bob falls back to the relay
    // first, and his relayed datagrams reach alice while she still tries a direct path that carries nothing. They must
    // not keep her there.
    for (const QStringList& step :
        { QStringList { QStringLiteral("link"), QStringLiteral("add"), QStringLiteral("lan0"), QStringLiteral("type"),
              QStringLiteral("veth"), QStringLiteral("peer"), QStringLiteral("name"), QStringLiteral("lan1") },
            QStringList { QStringLiteral("addr"), QStringLiteral("add"), QStringLiteral("198.19.200.11/24"),
                QStringLiteral("dev"), QStringLiteral("lan0") },
            QStringList { QStringLiteral("link"), QStringLiteral("set"), QStringLiteral("lan0"), QStringLiteral("up") },
            QStringList {
                QStringLiteral("link"), QStringLiteral("set"), QStringLiteral("lan1"), QStringLiteral("up") } }) {
        const RunResult r = m_lab->exec(bob, QStringList { QStringLiteral("ip") } + step);
        QVERIFY2(r.exitCode == 0, qPrintable(step.join(QLatin1Char(' ')) + QStringLiteral(": ") + r.err));
    }
    startGrid(allowAll);
    if (QTest::currentTestFailed())
        return;
    joinMembers({ alice, bob });
    if (QTest::currentTestFailed())
        return;
    // Traffic from bob while the paths settle, as a running application would send.
    QProcess* chatter = m_lab->spawn(bob,
        { QStringLiteral("ping"), QStringLiteral("-n"), QStringLiteral("-q"), QStringLiteral("-i"),
            QStringLiteral("0.2"), QStringLiteral("-w"), QStringLiteral("30"), m_grid->virtualIp(alice) },
        nobody);
    QVERIFY2(m_grid->waitForPath(alice, bob, QStringLiteral("relay"), 20000),
        QJsonDocument(m_grid->peers(alice)).toJson().constData());
    QVERIFY2(m_grid->waitForPath(bob, alice, QStringLiteral("relay"), 20000),
        QJsonDocument(m_grid->peers(bob)).toJson().constData());
    qInfo("both sides on the relay %lld ms after bob's 'pvc join' started", m_grid->joinedFor(bob));
    QCOMPARE(str(m_grid->peer(alice, bob), "endpoint"), m_grid->brokerAddress());
    QCOMPARE(str(m_grid->peer(bob, alice), "endpoint"), m_grid->brokerAddress());
    chatter->kill();
    chatter->waitForFinished(3000);
    const QString bobIp = m_grid->virtualIp(bob);
    QVERIFY(waitForPingReply(alice, bobIp, 15000) >= 0);

    const QString relayCapture = m_grid->dir() + QStringLiteral("/broker.pcap");
    const QString plainCapture = m_grid->dir() + QStringLiteral("/alice-pvc0.pcap");
    QProcess* atBroker = startCapture(broker, relayCapture,
        { QStringLiteral("udp"), QStringLiteral("port"), QString::number(LabGrid::BrokerPort) },
        QStringLiteral("eth0"));
    // Positive control: inside the tunnel, on alice's own device, the marker is in clear.
    QProcess* inTunnel = startCapture(alice, plainCapture,
        { QStringLiteral("tcp"), QStringLiteral("port"), QString::number(dataPort) }, QStringLiteral("pvc0"));
    QVERIFY(atBroker->state() == QProcess::Running && inTunnel->state() == QProcess::Running);

    const QString source = m_grid->dir() + QStringLiteral("/marker.txt");
    QVERIFY(writeFile(source, marker.repeated(100000))); // 2.1 MB
    const Transfer t = transfer(alice, bob, bobIp, bobIp, dataPort, source);
    stopCapture(atBroker);
    stopCapture(inTunnel);
    QVERIFY2(t.clientExit == 0, qPrintable(t.clientError));
    QCOMPARE(t.receivedSha, sha256Of(source));
    qInfo("2.1 MB through the broker's relay: %.3f s, %.1f MiB/s", t.seconds, 2.1e6 / 1048576.0 / t.seconds);

    QFile relayed(relayCapture);
    QVERIFY(relayed.open(QIODevice::ReadOnly));
    const QByteArray bytes = relayed.readAll();
    const Capture capture = readPcap(bytes);
    QVERIFY2(capture.valid, "the broker capture is not a complete pcap file");
    qInfo("broker capture: %d packets, %d relay datagrams, %lld bytes", capture.packets, capture.relayed,
        qint64(bytes.size()));
    QVERIFY2(capture.relayed > 100, qPrintable(QStringLiteral("only %1 relay datagrams").arg(capture.relayed)));
    QVERIFY2(!bytes.contains(QByteArrayLiteral("PLAINTEXT-MARKER")), "the broker saw the plaintext");

    QFile plain(plainCapture);
    QVERIFY(plain.open(QIODevice::ReadOnly));
    QVERIFY2(plain.readAll().contains(marker), "the control capture inside the tunnel holds no marker");

    // The path did not change while the data flowed.
    QCOMPARE(str(m_grid->peer(alice, bob), "path"), QStringLiteral("relay"));
    QCOMPARE(str(m_grid->peer(bob, alice), "path"), QStringLiteral("relay"));
}

// A member's pvcd dies and comes back: the others notice, its device goes, and traffic resumes
// without a new join.
void TstTraffic::peersComeAndGo()
{
    startGrid(allowAll);
    if (QTest::currentTestFailed())
        return;
    joinMembers({ alice, bob });
    if (QTest::currentTestFailed())
        return;
    QVERIFY(m_grid->waitForAuthenticated(alice, bob));
    const QString bobIp = m_grid->virtualIp(bob);
    QVERIFY(waitForPingReply(alice, bobIp, 20000) >= 0);
    QCOMPARE(pingReplies(alice, bobIp, 3), 3);

    QElapsedTimer down;
    down.start();
    m_grid->killDaemon(bob);
    QVERIFY(!m_grid->daemonRunning(bob));
    QVERIFY2(
        m_grid->waitForPeer(
            alice, bob, [](const QJsonObject& p) { return str(p, "status") != QLatin1String("authenticated"); }, 20000),
        QJsonDocument(m_grid->peers(alice)).toJson().constData());
    const qint64 noticed = down.elapsed();
    qInfo("alice saw bob go in %lld ms (%s)", noticed, qPrintable(str(m_grid->peer(alice, bob), "status")));
    const auto hasDevice = [&] {
        return m_lab
                   ->exec(bob,
                       { QStringLiteral("ip"), QStringLiteral("link"), QStringLiteral("show"), QStringLiteral("pvc0") })
                   .exitCode
            == 0;
    };
    QVERIFY2(LabGrid::waitFor([&] { return !hasDevice(); }, 5000), "bob's pvc0 outlived its pvcd");
    QCOMPARE(pingReplies(alice, bobIp, 1), 0);

    QElapsedTimer up;
    up.start();
    QVERIFY2(m_grid->restartDaemon(bob), qPrintable(m_grid->error()));
    const QJsonObject status = m_grid->status(bob);
    QCOMPARE(str(status, "state"), QStringLiteral("member"));
    QCOMPARE(str(status, "virtual_ip"), bobIp);
    QVERIFY(hasDevice());
    const qint64 remaining = 15000 - up.elapsed();
    const qint64 pinging = waitForPingReply(alice, bobIp, int(remaining));
    QVERIFY2(pinging >= 0, "no ping reply from bob within 15 s of its restart");
    qInfo("bob answered ping %lld ms after its pvcd restarted", up.elapsed());
    QVERIFY(m_grid->waitForAuthenticated(alice, bob, 5000));
    QCOMPARE(pingReplies(alice, bobIp, 3), 3);
}

QTEST_GUILESS_MAIN(TstTraffic)
#include "tst_traffic.moc"
