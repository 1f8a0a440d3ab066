// TCP paths for networks that drop UDP, through the lab's real NATs (docs/helper.md, "Traversing-TCP"):
// TCP hole punching by simultaneous open between the NAT kinds that allow it, and Traversing-TCP with a
// real pvc-helper injecting the relayed SYN. pvc-tcppunchprobe plays pvcd, as nobody; the test relays
// the SYN between the two sides, as the broker would. Needs root; skipped otherwise.
#include "connectivity/tcppunch.h"
#include "labnetwork.h"

#include <QDir>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>
#include <memory>

using namespace Qt::StringLiterals;
using pvc::test::LabNetwork;

namespace {

const QString nobody = u"nobody"_s;

QString binary(const QString& name)
{
    const QString dir = qEnvironmentVariable("PVC_BIN_DIR", QCoreApplication::applicationDirPath() + "/../../bin"_L1);
    return QDir(dir).absoluteFilePath(name);
}

// The next line the probe prints whose step is `step`, or an empty object after timeoutMs. Lines of
// other steps are skipped; everything read is kept in *seen for failure messages.
QJsonObject waitFor(QProcess* probe, const QString& step, int timeoutMs = 10000, QString* seen = nullptr)
{
    QDeadlineTimer deadline(timeoutMs);
    for (;;) {
        while (!probe->canReadLine() && !deadline.hasExpired() && probe->state() != QProcess::NotRunning)
            probe->waitForReadyRead(50);
        if (!probe->canReadLine())
            return {};
        const QByteArray line = probe->readLine();
        if (seen)
            *seen += QString::fromUtf8(line);
        const QJsonObject object = QJsonDocument::fromJson(line).object();
        if (object.value("step"_L1).toString() == step)
            return object;
    }
}

QString describe(const QJsonObject& line)
{
    return line.isEmpty() ? u"(nothing)"_s : QString::fromUtf8(QJsonDocument(line).toJson(QJsonDocument::Compact));
}

// A SYN as Linux 6.x sends it (MSS, SACK-permitted, timestamps, window scale), from client to
// server:port, with both checksums right.
QByteArray makeSyn(const QString& client, quint16 clientPort, const QString& server, quint16 port)
{
    QByteArray syn = QByteArray::fromHex("4500003c63be400040060000000000000000000000000000"
                                         "b2f1c06c00000000a002faf000000000"
                                         "020405b40402080a5a06d4d50000000001030307");
    qToBigEndian<quint16>(port, syn.data() + 22);
    const auto rewritten
        = pvc::core::rewriteSynForInjection(syn, { QHostAddress(client), clientPort }, QHostAddress(server), port);
    return rewritten ? *rewritten : QByteArray();
}

} // namespace

class TstTcpPunch : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase() { m_lab.reset(); }

    void simultaneousOpen_data();
    void simultaneousOpen();
    void symmetricNatCannotBePunched();
    void traversingTcpThroughHostFirewall_data();
    void traversingTcpThroughHostFirewall();
    void traversingTcpFailsThroughFirewallRouter();
    void injectedSynStaysOnThisHost();
    void helperRefusesWhatIsNotYours();

private:
    QProcess* probe(const QString& node, const QStringList& arguments)
    {
        return m_lab->spawn(node, QStringList { binary(u"pvc-tcppunchprobe"_s) } + arguments, nobody);
    }
    QString helperSocket(const QString& node) const { return m_dir.filePath(node + ".sock"_L1); }
    // Sends a command line to a `helper` probe and returns its answer.
    QJsonObject ask(QProcess* session, const QString& line, const QString& step)
    {
        session->write(line.toLatin1() + '\n');
        return waitFor(session, step, 5000);
    }

    // A `helper` probe's answer to a line: "ok" or the error code.
    QString answerCode(QProcess* session, const QString& line)
    {
        const QJsonObject answer = ask(session, line, line.section(u' ', 0, 0));
        return answer.value("ok"_L1).toBool() ? u"ok"_s : answer.value("code"_L1).toString();
    }
    QString injectCode(QProcess* session, const QByteArray& packet)
    {
        return answerCode(session, "inject "_L1 + QString::fromLatin1(packet.toBase64()));
    }

    std::unique_ptr<LabNetwork> m_lab;
    QTemporaryDir m_dir;
};

void TstTcpPunch::initTestCase()
{
    if (!LabNetwork::isRoot())
        QSKIP("the lab needs root (network namespaces, pvc-helper)");
    for (const QString& name : { u"pvc-helper"_s, u"pvc-tcppunchprobe"_s })
        QVERIFY2(QFileInfo(binary(name)).isExecutable(), qPrintable(name + " is not built"_L1));
    LabNetwork::sweepStale();
    m_lab = std::make_unique<LabNetwork>(LabNetwork::topology(u"nat-matrix"_s));
    QVERIFY2(m_lab->isUp(), qPrintable(m_lab->error()));

    // nobody must reach the sockets' directory; each socket is its helper's to guard.
    QVERIFY(m_dir.isValid());
    QFile::setPermissions(m_dir.path(),
        QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner | QFileDevice::ExeGroup
            | QFileDevice::ExeOther);
    for (const QString& node : { u"pub"_s, u"hfw"_s, u"hcone"_s }) {
        QProcess* helper = m_lab->spawn(
            node, { binary(u"pvc-helper"_s), u"--socket"_s, helperSocket(node), u"--allow-user"_s, nobody });
        QTRY_VERIFY_WITH_TIMEOUT(
            QFileInfo::exists(helperSocket(node)) || helper->state() == QProcess::NotRunning, 5000);
        QVERIFY2(QFileInfo::exists(helperSocket(node)), helper->readAllStandardError().constData());
    }
}

void TstTcpPunch::simultaneousOpen_data()
{
    QTest::addColumn<QString>("a");
    QTest::addColumn<QString>("b");
    QTest::addColumn<quint16>("port"); // a punches from port, b from port + 1

    // Each side's first SYN opens its own router for the other's. Behind `cone` (MASQUERADE keeps the
    // port when it is free) the public port is the local one. `noudp` is a cone for TCP.
    QTest::newRow("cone-noudp") << u"hcone"_s << u"hnoudp"_s << quint16(42010);
    QTest::newRow("cone-firewall") << u"hcone"_s << u"hfw"_s << quint16(42020);
    QTest::newRow("firewall-public") << u"hfw"_s << u"pub"_s << quint16(42030);
    QTest::newRow("cone-public") << u"hcone"_s << u"pub"_s << quint16(42040);
    // The symmetric side's port is random, so the public side's listener accepts it instead.
    QTest::newRow("symmetric-public") << u"hsym"_s << u"pub"_s << quint16(42050);
}

void TstTcpPunch::simultaneousOpen()
{
    QFETCH(QString, a);
    QFETCH(QString, b);
    QFETCH(quint16, port);
    const quint16 portB = port + 1;
    const QString candidateOfB = m_lab->publicAddress(b) + u':' + QString::number(portB);
    const QString candidateOfA = m_lab->publicAddress(a) + u':' + QString::number(port);

    // As the broker would have them do it: about together, here half a second apart.
    QProcess* first = probe(a, { u"punch"_s, QString::number(port), candidateOfB, u"8000"_s });
    QVERIFY(!waitFor(first, u"listening"_s).isEmpty());
    QTest::qWait(500);
    QProcess* second = probe(b, { u"punch"_s, QString::number(portB), candidateOfA, u"8000"_s });

    const QJsonObject punchedA = waitFor(first, u"punch"_s);
    const QJsonObject punchedB = waitFor(second, u"punch"_s);
    QVERIFY2(punchedA.value("ok"_L1).toBool(), qPrintable(describe(punchedA)));
    QVERIFY2(punchedB.value("ok"_L1).toBool(), qPrintable(describe(punchedB)));
    QCOMPARE(punchedA.value("peer"_L1).toString(), candidateOfB);
    QCOMPARE(punchedB.value("peer"_L1).toString().section(u':', 0, 0), m_lab->publicAddress(a));
    QVERIFY2(punchedB.value("ms"_L1).toInt() < 3000, qPrintable(describe(punchedB)));

    // One connection, end to end.
    QCOMPARE(waitFor(first, u"exchange"_s).value("got"_L1).toString(), "hello from "_L1 + QString::number(portB));
    QCOMPARE(waitFor(second, u"exchange"_s).value("got"_L1).toString(), "hello from "_L1 + QString::number(port));
}

void TstTcpPunch::symmetricNatCannotBePunched()
{
    // Every connection through `symmetric` gets a random public port, so the cone side punches towards a
    // port that leads nowhere, and its router drops the symmetric side's SYN from an unknown port.
    QProcess* sym
        = probe(u"hsym"_s, { u"punch"_s, u"42060"_s, m_lab->publicAddress(u"hcone"_s) + ":42061"_L1, u"3000"_s });
    QProcess* cone
        = probe(u"hcone"_s, { u"punch"_s, u"42061"_s, m_lab->publicAddress(u"hsym"_s) + ":42060"_L1, u"3000"_s });
    for (QProcess* side : { sym, cone }) {
        const QJsonObject punched = waitFor(side, u"punch"_s);
        QVERIFY2(!punched.value("ok"_L1).toBool(true), qPrintable(describe(punched)));
        QCOMPARE(punched.value("code"_L1).toString(), u"tcppunch.timeout"_s);
    }
}

void TstTcpPunch::traversingTcpThroughHostFirewall_data()
{
    QTest::addColumn<QString>("client");
    QTest::addColumn<quint16>("port");
    QTest::addColumn<bool>("egress"); // the server's firewall also drops new outgoing connections
    QTest::newRow("client behind cone") << u"hcone"_s << quint16(5011) << false;
    QTest::newRow("client behind firewall") << u"hfw"_s << quint16(5012) << false;
    // Here the server could not punch (its own SYN would be dropped), but TTCP still works: the
    // injected SYN made the conntrack entry its SYN-ACK leaves by.
    QTest::newRow("egress-filtered server") << u"hcone"_s << quint16(5013) << true;
}

void TstTcpPunch::traversingTcpThroughHostFirewall()
{
    QFETCH(QString, client);
    QFETCH(quint16, port);
    QFETCH(bool, egress);
    const QString server = u"pub"_s;
    const QString serverEndpoint = m_lab->address(server) + u':' + QString::number(port);

    // The server's own stateful firewall, as ufw or firewalld set one up: replies and loopback in,
    // nothing else. The paper's TTCP premise (section 4.4.3): it accepts only established traffic.
    QFile rules(m_dir.filePath(u"hostfw.nft"_s));
    QVERIFY(rules.open(QIODevice::WriteOnly));
    rules.write("table inet hostfw {\n chain input {\n  type filter hook input priority filter; policy drop;\n"
                "  ct state established,related accept\n  iif \"lo\" accept\n  meta l4proto icmp accept\n }\n");
    if (egress) {
        rules.write(" chain output {\n  type filter hook output priority filter; policy drop;\n"
                    "  ct state established,related accept\n  oif \"lo\" accept\n  meta l4proto icmp accept\n }\n");
    }
    rules.write("}\n");
    rules.close();
    QCOMPARE(m_lab->exec(server, { u"nft"_s, u"-f"_s, rules.fileName() }).exitCode, 0);
    const auto removeFirewall = qScopeGuard([&] { m_lab->exec(server, { u"nft"_s, u"delete table inet hostfw"_s }); });

    // The server's pvcd waits with a TcpPunch that accepts from the client's public address only.
    const QString clientPublic = m_lab->publicAddress(client);
    QProcess* session = probe(server, { u"helper"_s, helperSocket(server) });
    const QString await = "await %1 %2"_L1.arg(QString::number(port), clientPublic);
    QVERIFY2(ask(session, await, u"await"_s).value("ok"_L1).toBool(), "server cannot listen");
    const QJsonObject allowed = ask(session, "allow "_L1 + QString::number(port), u"allow"_s);
    QVERIFY2(allowed.value("ok"_L1).toBool(), qPrintable(describe(allowed)));

    // Control: the firewall is real; a plain connection does not get in.
    const auto plain = m_lab->exec(
        client, { u"socat"_s, u"-T2"_s, u"-"_s, "TCP4:%1,connect-timeout=2"_L1.arg(serverEndpoint) }, 10000, nobody);
    QVERIFY2(plain.exitCode != 0, "a plain connect() got through the host firewall");

    // Paper section 4.4.3 step 2: the client connects; its SYN is dropped by the server's firewall, but
    // the helper captured it. Step 3: "the broker" (this test) relays it. Step 4: the server injects it.
    QProcess* ttcp = probe(client, { u"ttcp-client"_s, helperSocket(client), serverEndpoint, u"8000"_s });
    const QJsonObject listening = waitFor(ttcp, u"listening"_s);
    const QJsonObject syn = waitFor(ttcp, u"syn"_s, 5000);
    QVERIFY2(!syn.isEmpty(), qPrintable(describe(waitFor(ttcp, u"connect"_s, 1000))));
    const QJsonObject injected = ask(session,
        "inject-relayed %1 %2 %3"_L1.arg(syn.value("packet"_L1).toString(), clientPublic, QString::number(port)),
        u"inject-relayed"_s);
    QVERIFY2(injected.value("ok"_L1).toBool(), qPrintable(describe(injected)));

    // Steps 5 and 6: the server's SYN-ACK leaves as established traffic and completes the client's connect().
    const QJsonObject connected = waitFor(ttcp, u"connect"_s);
    QVERIFY2(connected.value("ok"_L1).toBool(), qPrintable(describe(connected)));
    const QJsonObject accepted = waitFor(session, u"accepted"_s);
    const QString clientEndpoint = clientPublic + u':' + QString::number(listening.value("port"_L1).toInt());
    QCOMPARE(accepted.value("peer"_L1).toString(), clientEndpoint);
    QCOMPARE(waitFor(ttcp, u"exchange"_s).value("got"_L1).toString(), "hello from "_L1 + QString::number(port));
    QCOMPARE(waitFor(session, u"exchange"_s).value("got"_L1).toString(),
        "hello from "_L1 + QString::number(listening.value("port"_L1).toInt()));
    session->closeWriteChannel();
}

void TstTcpPunch::traversingTcpFailsThroughFirewallRouter()
{
    // The same exchange with the server behind the `firewall` router: the injected SYN reaches the
    // server's stack and its SYN-ACK leaves (conntrack on the router has seen no SYN, calls it invalid,
    // and the LAN-to-WAN rule lets it out untracked), so the client's connect() completes. But the
    // client's ACK is then the first packet of an unknown flow from the WAN, and the router drops it:
    // the server never accepts. docs/helper.md, "Traversing-TCP", has the whole finding.
    const quint16 port = 5021;
    const QString server = u"hfw"_s;
    const QString client = u"pub"_s;
    QProcess* session = probe(server, { u"helper"_s, helperSocket(server) });
    const QString await = "await %1 %2"_L1.arg(QString::number(port), m_lab->address(client));
    QVERIFY(ask(session, await, u"await"_s).value("ok"_L1).toBool());
    QVERIFY(ask(session, "allow "_L1 + QString::number(port), u"allow"_s).value("ok"_L1).toBool());
    QProcess* ttcp = probe(client,
        { u"ttcp-client"_s, helperSocket(client), m_lab->address(server) + u':' + QString::number(port), u"6000"_s });
    const QJsonObject syn = waitFor(ttcp, u"syn"_s, 5000);
    QVERIFY(!syn.isEmpty());
    QVERIFY(ask(session,
        "inject-relayed %1 %2 %3"_L1.arg(
            syn.value("packet"_L1).toString(), m_lab->address(client), QString::number(port)),
        u"inject-relayed"_s)
                .value("ok"_L1)
                .toBool());

    QVERIFY(waitFor(ttcp, u"connect"_s).value("ok"_L1).toBool()); // the SYN-ACK got out
    QString seen;
    QVERIFY2(waitFor(session, u"accepted"_s, 4000, &seen).isEmpty(), qPrintable(seen)); // the ACK did not get in
    QCOMPARE(waitFor(ttcp, u"exchange"_s).value("got"_L1).toString(), QString());
    session->closeWriteChannel();
}

// Issue 15: an output DNAT rule that would send "a SYN to this host" elsewhere does not make the helper an
// injector of spoofed SYNs: its mark meets the injection guard's drop rule (sendto: EPERM). Nor may a SYN come
// from the network or broadcast address of this host's subnet.
void TstTcpPunch::injectedSynStaysOnThisHost()
{
    const QString server = u"pub"_s;
    const QString self = m_lab->address(server);
    const QString broker = m_lab->address(u"broker"_s);
    const QString peer = m_lab->publicAddress(u"hcone"_s);
    QProcess* session = probe(server, { u"helper"_s, helperSocket(server) });
    const auto code = [&](const QString& line) { return answerCode(session, line); };
    const auto inject = [&](const QByteArray& packet) { return injectCode(session, packet); };
    const auto guardDrops = [&] {
        const QString rules = m_lab->exec(server, { u"nft"_s, u"list"_s, u"table"_s, u"ip"_s, u"pvc_helper"_s }).out;
        const qsizetype at = rules.indexOf("counter packets "_L1);
        return at < 0 ? -1 : rules.mid(at + 16).section(u' ', 0, 0).toInt();
    };
    QCOMPARE(code(u"listen 5033"_s), u"ok"_s);
    QCOMPARE(code(u"allow 5033"_s), u"ok"_s);
    QCOMPARE(guardDrops(), 0);
    QCOMPARE(inject(makeSyn(peer, 40010, self, 5033)), u"ok"_s);

    const QString natRule = u"table ip pvct_dnat { chain out { type nat hook output priority -100; "
                            "ip daddr %1 tcp dport 5033 dnat to %2; }; }"_s.arg(self, broker);
    QCOMPARE(m_lab->exec(server, { u"nft"_s, natRule }).exitCode, 0);
    const auto removeNat = qScopeGuard([&] { m_lab->exec(server, { u"nft"_s, u"delete table ip pvct_dnat"_s }); });
    QCOMPARE(inject(makeSyn(peer, 40011, self, 5033)), u"helper.inject_failed"_s);
    QCOMPARE(guardDrops(), 1);

    // "inet 198.18.0.10/16 ...": the subnet's first and last addresses (the lab sets no "brd" of its own).
    const QString address = m_lab->exec(server, { u"ip"_s, u"-o"_s, u"-4"_s, u"addr"_s, u"show"_s, u"to"_s, self }).out;
    const QPair<QHostAddress, int> subnet
        = QHostAddress::parseSubnet(address.section(" inet "_L1, 1).section(u' ', 0, 0));
    QVERIFY2(subnet.second > 0 && subnet.second < 31, qPrintable(address));
    const quint32 network = subnet.first.toIPv4Address();
    const QString broadcast = QHostAddress(network | (0xFFFFFFFFu >> subnet.second)).toString();
    QCOMPARE(inject(makeSyn(QHostAddress(network).toString(), 40013, self, 5033)), u"helper.bad_address"_s);
    QCOMPARE(inject(makeSyn(broadcast, 40012, self, 5033)), u"helper.bad_address"_s);
    session->closeWriteChannel();
}

void TstTcpPunch::helperRefusesWhatIsNotYours()
{
    const QString server = u"pub"_s;
    const QString self = m_lab->address(server);
    QProcess* root = m_lab->spawn(server, { u"socat"_s, u"TCP4-LISTEN:7000,reuseaddr,fork"_s, u"SYSTEM:true"_s });
    QVERIFY(root && m_lab->waitForListening(server, 7000));
    QProcess* session = probe(server, { u"helper"_s, helperSocket(server) });
    const auto code = [&](const QString& line) { return answerCode(session, line); };
    const auto inject = [&](const QByteArray& packet) { return injectCode(session, packet); };

    const QString nowhere = m_lab->address(u"broker"_s) + u":9"_s; // where the probe's own SYNs go
    const QString elsewhere = m_lab->address(u"broker"_s) + u":10"_s;
    QCOMPARE(code(u"allow 22"_s), u"helper.bad_port"_s);
    QCOMPARE(code(u"allow 7000"_s), u"helper.not_yours"_s); // root's listener
    QCOMPARE(code(u"allow 7001"_s), u"helper.not_yours"_s); // nobody's: no listener at all
    QCOMPARE(code(u"capture 7000 "_s + nowhere), u"helper.not_yours"_s);
    QCOMPARE(code(u"capture 5031 127.0.0.1:9"_s), u"helper.bad_address"_s);
    QCOMPARE(code(u"take 5031"_s), u"helper.not_yours"_s); // nothing armed
    QCOMPARE(code(u"listen 5031"_s), u"ok"_s);
    QCOMPARE(code(u"allow 5031"_s), u"ok"_s);
    QCOMPARE(code(u"capture 5031 "_s + nowhere), u"ok"_s);
    QCOMPARE(code(u"take 5031"_s), u"helper.no_syn"_s); // we sent none
    // Issue 15: the capture holds only the SYN to the destination it was armed for, not the one sent first.
    QCOMPARE(code(u"connect 5031 "_s + elsewhere), u"ok"_s);
    QCOMPARE(code(u"connect 5031 "_s + nowhere), u"ok"_s);
    QJsonObject taken;
    for (int i = 0; i < 20 && (taken = ask(session, u"take 5031"_s, u"take"_s)).value("code"_L1) == u"helper.no_syn"_s;
         ++i)
        QTest::qWait(100);
    QVERIFY2(taken.value("ok"_L1).toBool(), qPrintable(describe(taken)));
    const QByteArray syn = QByteArray::fromBase64(taken.value("packet"_L1).toString().toLatin1());
    QCOMPARE(syn.size() >= 24, true);
    QCOMPARE(QHostAddress(qFromBigEndian<quint32>(syn.constData() + 16)).toString() + u':'
            + QString::number(qFromBigEndian<quint16>(syn.constData() + 22)),
        nowhere);
    // ... and only while the listener it was armed with is still there, not another put in its place.
    QCOMPARE(code(u"capture 5031 "_s + nowhere), u"ok"_s);
    QCOMPARE(code(u"unlisten 5031"_s), u"ok"_s);
    QCOMPARE(code(u"listen 5031"_s), u"ok"_s);
    QCOMPARE(code(u"connect 5031 "_s + nowhere), u"ok"_s);
    QTRY_COMPARE_WITH_TIMEOUT(code(u"take 5031"_s), u"helper.not_yours"_s, 2000);

    const QString peer = m_lab->publicAddress(u"hcone"_s);
    QCOMPARE(inject(makeSyn(peer, 40000, self, 5032)), u"helper.not_yours"_s); // not declared
    QCOMPARE(inject(makeSyn(peer, 40000, m_lab->address(u"broker"_s), 5031)), u"helper.bad_address"_s);
    QCOMPARE(inject(makeSyn(self, 40000, self, 5031)), u"helper.bad_address"_s); // from this host
    QByteArray synAck = makeSyn(peer, 40000, self, 5031);
    synAck[33] = 0x12;
    QCOMPARE(inject(synAck), u"helper.bad_packet"_s);
    QCOMPARE(inject(makeSyn(peer, 40000, self, 5031)), u"ok"_s);
    QCOMPARE(code(u"unlisten 5031"_s), u"ok"_s);
    QCOMPARE(inject(makeSyn(peer, 40001, self, 5031)), u"helper.not_yours"_s); // the listener is gone

    // One budget per uid for the requests that read /proc or open captures, refused ones included: at most
    // 40 in 10 s, whichever command and connection. Asking for a SYN that is not there is free.
    int served = 0;
    while (served <= 50 && inject("not a SYN") == u"helper.bad_packet"_s)
        ++served;
    QVERIFY2(served <= 40, qPrintable(QString::number(served))); // what the requests above left of it
    QCOMPARE(inject("not a SYN"), u"helper.rate_limited"_s);
    QProcess* other = probe(server, { u"helper"_s, helperSocket(server) });
    QCOMPARE(ask(other, u"allow 5031"_s, u"allow"_s).value("code"_L1).toString(), u"helper.rate_limited"_s);
    QCOMPARE(ask(other, u"take 5031"_s, u"take"_s).value("code"_L1).toString(), u"helper.not_yours"_s);
    other->closeWriteChannel();
    session->closeWriteChannel();
}

QTEST_GUILESS_MAIN(TstTcpPunch)
#include "tst_tcppunch.moc"
