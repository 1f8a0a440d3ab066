// Proves the lab is a real network: packets cross namespaces, each router kind translates and
// filters as docs/lab.md says, and nothing outlives a lab.
#include "labnetwork.h"

#include <QDir>
#include <QStandardPaths>
#include <QTest>
#include <memory>
#include <signal.h>

using pvc::test::LabNetwork;
using pvc::test::RunResult;

namespace {

const QString nobody = QStringLiteral("nobody");
const QString brokerAddress = QStringLiteral("198.18.0.2");
const QString pubAddress = QStringLiteral("198.18.0.10");
constexpr quint16 whoamiTcpPort = 7000;
constexpr quint16 whoamiUdpPort = 7001;
constexpr quint16 innerPort = 7002;
constexpr quint16 routerPort = 7003;

// A service that answers every TCP connection or UDP datagram with "ADDRESS PORT" of its peer: the
// address and port the NAT gave the client.
QStringList whoami(bool udp, quint16 port)
{
    if (udp) {
        // The reply script must read the datagram first: socat fails the exchange when its child exits
        // before taking the input it was handed.
        return { QStringLiteral("socat"), QStringLiteral("-t5"), QStringLiteral("UDP4-RECVFROM:%1,fork").arg(port),
            QStringLiteral("SYSTEM:read -r _; echo $SOCAT_PEERADDR $SOCAT_PEERPORT") };
    }
    return { QStringLiteral("socat"), QStringLiteral("-t5"), QStringLiteral("TCP4-LISTEN:%1,reuseaddr,fork").arg(port),
        QStringLiteral("SYSTEM:echo $SOCAT_PEERADDR $SOCAT_PEERPORT") };
}

QStringList tcpClient(const QString& address, quint16 port, int connectTimeoutS = 5, quint16 sourcePort = 0)
{
    QString target = QStringLiteral("TCP4:%1:%2,connect-timeout=%3").arg(address).arg(port).arg(connectTimeoutS);
    if (sourcePort)
        target += QStringLiteral(",sourceport=%1,reuseaddr").arg(sourcePort);
    return { QStringLiteral("socat"), QStringLiteral("-t5"), QStringLiteral("-T5"), QStringLiteral("-"), target };
}

QStringList udpClient(const QString& address, quint16 port)
{
    return { QStringLiteral("bash"), QStringLiteral("-c"),
        QStringLiteral("echo probe | socat -t3 -T3 - UDP4:%1:%2").arg(address).arg(port) };
}

bool processExists(qint64 pid)
{
    return ::kill(pid_t(pid), 0) == 0;
}

} // namespace

class TestLab : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void publicHostsReachEachOther();
    void routersHaveTheirRules();
    void hostReachesBroker_data();
    void hostReachesBroker();
    void publicHostCannotOpenConnectionsInward();
    void symmetricNatMapsDestinationsToDifferentPorts();

private:
    std::unique_ptr<LabNetwork> m_matrix;
};

void TestLab::initTestCase()
{
    if (!LabNetwork::isRoot())
        QSKIP("the lab needs root (network namespaces)");
    for (const char* tool : { "ip", "nft", "socat", "ping", "setpriv", "ss" }) {
        QVERIFY2(!QStandardPaths::findExecutable(QString::fromLatin1(tool)).isEmpty(),
            qPrintable(
                QStringLiteral("%1 is missing; see installer/debian-packages.txt").arg(QString::fromLatin1(tool))));
    }
    LabNetwork::sweepStale();

    m_matrix = std::make_unique<LabNetwork>(LabNetwork::topology(QStringLiteral("nat-matrix")));
    QVERIFY2(m_matrix->isUp(), qPrintable(m_matrix->error()));
    // Services run as nobody, as pvc processes will.
    m_matrix->spawn(QStringLiteral("broker"), whoami(false, whoamiTcpPort), nobody);
    m_matrix->spawn(QStringLiteral("broker"), whoami(true, whoamiUdpPort), nobody);
    m_matrix->spawn(QStringLiteral("pub"), whoami(false, whoamiTcpPort), nobody);
    const QStringList in { QStringLiteral("socat"), QStringLiteral("TCP4-LISTEN:%1,reuseaddr,fork").arg(innerPort),
        QStringLiteral("SYSTEM:echo in") };
    m_matrix->spawn(QStringLiteral("hfw"), in, nobody);
    m_matrix->spawn(QStringLiteral("hcone"), in, nobody);
    m_matrix->spawn(QStringLiteral("rcone"),
        { QStringLiteral("socat"), QStringLiteral("TCP4-LISTEN:%1,reuseaddr,fork").arg(routerPort),
            QStringLiteral("SYSTEM:echo router") },
        nobody);
    QVERIFY(m_matrix->waitForListening(QStringLiteral("broker"), whoamiTcpPort));
    QVERIFY(m_matrix->waitForListening(QStringLiteral("broker"), whoamiUdpPort, true));
    QVERIFY(m_matrix->waitForListening(QStringLiteral("pub"), whoamiTcpPort));
    QVERIFY(m_matrix->waitForListening(QStringLiteral("hfw"), innerPort));
    QVERIFY(m_matrix->waitForListening(QStringLiteral("hcone"), innerPort));
    QVERIFY(m_matrix->waitForListening(QStringLiteral("rcone"), routerPort));
}

void TestLab::cleanupTestCase()
{
    if (!m_matrix)
        return;
    const QString prefix = m_matrix->prefix();
    m_matrix.reset();
    QVERIFY2(LabNetwork::namespacesWithPrefix(prefix).isEmpty(),
        qPrintable(LabNetwork::namespacesWithPrefix(prefix).join(QLatin1Char(' '))));
}

void TestLab::publicHostsReachEachOther()
{
    QString prefix;
    qint64 strayPid = 0;
    {
        LabNetwork lab(LabNetwork::topology(QStringLiteral("public-pair")));
        QVERIFY2(lab.isUp(), qPrintable(lab.error()));
        prefix = lab.prefix();
        QCOMPARE(LabNetwork::namespacesWithPrefix(prefix).size(), 5);

        const QStringList hosts { QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("broker"),
            QStringLiteral("master") };
        for (const QString& from : hosts) {
            for (const QString& to : hosts) {
                if (from == to)
                    continue;
                const RunResult r = lab.exec(from,
                    { QStringLiteral("ping"), QStringLiteral("-c1"), QStringLiteral("-W3"), lab.address(to) }, 10000,
                    nobody);
                QVERIFY2(r.exitCode == 0, qPrintable(from + QStringLiteral(" -> ") + to + QLatin1Char(' ') + r.err));
            }
        }
        // Nothing outside the lab is reachable: the only route out of a host leads to the lab internet.
        const RunResult outside = lab.exec(QStringLiteral("alice"),
            { QStringLiteral("ping"), QStringLiteral("-c1"), QStringLiteral("-W1"), QStringLiteral("198.51.100.1") });
        QVERIFY(outside.exitCode != 0);

        const RunResult id
            = lab.exec(QStringLiteral("bob"), { QStringLiteral("id"), QStringLiteral("-u") }, 5000, nobody);
        QCOMPARE(id.out.trimmed(), QStringLiteral("65534"));

        // A daemon the lab does not track: lab.sh down must find and kill it through its namespace.
        const RunResult stray = lab.exec(QStringLiteral("bob"),
            { QStringLiteral("bash"), QStringLiteral("-c"),
                QStringLiteral("setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!") });
        strayPid = stray.out.trimmed().toLongLong();
        QVERIFY2(strayPid > 0 && processExists(strayPid), qPrintable(stray.out + stray.err));
    }
    QVERIFY2(LabNetwork::namespacesWithPrefix(prefix).isEmpty(),
        qPrintable(LabNetwork::namespacesWithPrefix(prefix).join(QLatin1Char(' '))));
    // The orphaned sleep is reaped by init soon after it is killed.
    QTRY_VERIFY_WITH_TIMEOUT(!processExists(strayPid), 5000);
}

void TestLab::routersHaveTheirRules()
{
    QVERIFY(m_matrix);
    const QStringList routers { QStringLiteral("rfw"), QStringLiteral("rcone"), QStringLiteral("rsym"),
        QStringLiteral("rupnp"), QStringLiteral("rnoudp") };
    for (const QString& router : routers) {
        const RunResult forward = m_matrix->exec(
            router, { QStringLiteral("sysctl"), QStringLiteral("-n"), QStringLiteral("net.ipv4.ip_forward") });
        QCOMPARE(forward.out.trimmed(), QStringLiteral("1"));
        const RunResult rules
            = m_matrix->exec(router, { QStringLiteral("nft"), QStringLiteral("list"), QStringLiteral("ruleset") });
        QVERIFY2(rules.exitCode == 0, qPrintable(rules.err));
        QVERIFY2(rules.out.contains(QStringLiteral("iifname \"wan0\" drop")), qPrintable(rules.out));
        QCOMPARE(rules.out.count(QStringLiteral("table ")), 1);
    }
    const RunResult hostForward = m_matrix->exec(QStringLiteral("hcone"),
        { QStringLiteral("sysctl"), QStringLiteral("-n"), QStringLiteral("net.ipv4.ip_forward") });
    QCOMPARE(hostForward.out.trimmed(), QStringLiteral("0"));
    // The hook chains miniupnpd fills in.
    for (const char* chain : { "miniupnpd", "prerouting_miniupnpd", "postrouting_miniupnpd" }) {
        const RunResult r = m_matrix->exec(QStringLiteral("rupnp"),
            { QStringLiteral("nft"), QStringLiteral("list"), QStringLiteral("chain"), QStringLiteral("inet"),
                QStringLiteral("pvclab"), QString::fromLatin1(chain) });
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    }
}

void TestLab::hostReachesBroker_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<QString>("seenAddress");
    QTest::addColumn<bool>("udpPasses");

    QTest::newRow("public") << QStringLiteral("pub") << QStringLiteral("198.18.0.10") << true;
    QTest::newRow("firewall") << QStringLiteral("hfw") << QStringLiteral("198.19.1.2") << true;
    QTest::newRow("cone") << QStringLiteral("hcone") << QStringLiteral("198.18.0.12") << true;
    QTest::newRow("symmetric") << QStringLiteral("hsym") << QStringLiteral("198.18.0.13") << true;
    QTest::newRow("upnp") << QStringLiteral("hupnp") << QStringLiteral("198.18.0.14") << true;
    QTest::newRow("noudp") << QStringLiteral("hnoudp") << QStringLiteral("198.18.0.15") << false;
}

void TestLab::hostReachesBroker()
{
    QFETCH(QString, host);
    QFETCH(QString, seenAddress);
    QFETCH(bool, udpPasses);
    QVERIFY(m_matrix);
    QCOMPARE(m_matrix->publicAddress(host), seenAddress);

    const RunResult tcp = m_matrix->exec(host, tcpClient(brokerAddress, whoamiTcpPort), 15000, nobody);
    QVERIFY2(tcp.exitCode == 0, qPrintable(tcp.err));
    const QStringList seen = tcp.out.trimmed().split(QLatin1Char(' '));
    QCOMPARE(seen.size(), 2);
    QCOMPARE(seen[0], seenAddress);

    const RunResult udp = m_matrix->exec(host, udpClient(brokerAddress, whoamiUdpPort), 15000, nobody);
    if (udpPasses)
        QVERIFY2(udp.out.startsWith(seenAddress + QLatin1Char(' ')), qPrintable(udp.out + udp.err));
    else
        QVERIFY2(udp.out.trimmed().isEmpty(), qPrintable(udp.out));
}

void TestLab::publicHostCannotOpenConnectionsInward()
{
    QVERIFY(m_matrix);
    const QString pub = QStringLiteral("pub");

    // Firewall: the LAN is routed (the broker saw 198.19.1.2) but new inbound connections are dropped.
    RunResult r = m_matrix->exec(QStringLiteral("rfw"), tcpClient(QStringLiteral("198.19.1.2"), innerPort), 15000);
    QCOMPARE(r.out.trimmed(), QStringLiteral("in")); // the listener is there
    r = m_matrix->exec(pub, tcpClient(QStringLiteral("198.19.1.2"), innerPort, 2), 15000);
    QVERIFY2(r.exitCode != 0 && r.out.isEmpty(), qPrintable(r.out));

    // Cone NAT: nothing maps the router's port to the host behind it.
    r = m_matrix->exec(QStringLiteral("rcone"), tcpClient(QStringLiteral("198.19.2.2"), innerPort), 15000);
    QCOMPARE(r.out.trimmed(), QStringLiteral("in"));
    r = m_matrix->exec(pub, tcpClient(QStringLiteral("198.18.0.12"), innerPort, 2), 15000);
    QVERIFY2(r.exitCode != 0 && r.out.isEmpty(), qPrintable(r.out));
    // Nor can the internet route to the private side of a NAT.
    r = m_matrix->exec(pub, tcpClient(QStringLiteral("198.19.2.2"), innerPort, 2), 15000);
    QVERIFY2(r.exitCode != 0 && r.out.isEmpty(), qPrintable(r.out));

    // The router itself: unsolicited WAN input is dropped, ICMP is answered, the LAN side is open.
    r = m_matrix->exec(QStringLiteral("hcone"), tcpClient(QStringLiteral("198.19.2.1"), routerPort), 15000);
    QCOMPARE(r.out.trimmed(), QStringLiteral("router"));
    r = m_matrix->exec(pub, tcpClient(QStringLiteral("198.18.0.12"), routerPort, 2), 15000);
    QVERIFY2(r.exitCode != 0 && r.out.isEmpty(), qPrintable(r.out));
    r = m_matrix->exec(
        pub, { QStringLiteral("ping"), QStringLiteral("-c1"), QStringLiteral("-W3"), QStringLiteral("198.18.0.12") });
    QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
}

void TestLab::symmetricNatMapsDestinationsToDifferentPorts()
{
    QVERIFY(m_matrix);
    constexpr quint16 sourcePort = 40000;
    auto seenPorts = [this](const QString& host, QString* address) {
        QList<int> ports;
        for (const QString& destination : { brokerAddress, pubAddress }) {
            const RunResult r = m_matrix->exec(host, tcpClient(destination, whoamiTcpPort, 5, sourcePort), 15000);
            const QStringList seen = r.out.trimmed().split(QLatin1Char(' '));
            if (seen.size() != 2)
                return QList<int>();
            *address = seen[0];
            ports << seen[1].toInt();
        }
        return ports;
    };

    QString address;
    const QList<int> cone = seenPorts(QStringLiteral("hcone"), &address);
    QCOMPARE(cone.size(), 2);
    QCOMPARE(address, QStringLiteral("198.18.0.12"));
    // Cone (endpoint-independent) mapping: one source port, one public port, for every destination.
    QCOMPARE(cone[0], int(sourcePort));
    QCOMPARE(cone[1], int(sourcePort));

    const QList<int> symmetric = seenPorts(QStringLiteral("hsym"), &address);
    QCOMPARE(symmetric.size(), 2);
    QCOMPARE(address, QStringLiteral("198.18.0.13"));
    QVERIFY2(
        symmetric[0] != symmetric[1], qPrintable(QStringLiteral("both destinations saw port %1").arg(symmetric[0])));
}

QTEST_GUILESS_MAIN(TestLab)
#include "tst_lab.moc"
