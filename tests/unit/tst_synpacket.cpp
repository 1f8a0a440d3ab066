// What pvc-helper accepts as a Traversing-TCP SYN to inject, and from whom (docs/helper.md,
// "inject-syn", "capture-syn"), and pvcd's rewrite of a relayed SYN, which the helper must accept.
// The helper's own sources are compiled in: it links no library of ours but the frame codec.
#include "connectivity/tcppunch.h"
#include "synpacket.h"
#include "tcpsockets.h"
#include "ttcp.h"

#include <QJsonObject>
#include <QTcpServer>
#include <QTest>
#include <QtEndian>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using pvc::helper::checkSyn;
using pvc::helper::Syn;
using pvc::helper::SynRules;
using pvc::helper::TcpSocket;

namespace {

constexpr quint32 Client = 0xC6130202; // 198.19.2.2, behind a cone NAT
constexpr quint32 ClientPublic = 0xC612000C; // 198.18.0.12, that NAT's WAN address
constexpr quint32 Server = 0xC612000A; // 198.18.0.10
constexpr quint16 ServerPort = 5011;

// RFC 1071 once more, written apart from both implementations under test.
quint16 checksum(const QByteArray& bytes, qsizetype from, qsizetype size, quint32 sum = 0)
{
    for (qsizetype i = 0; i < size; i += 2) {
        const quint32 high = quint8(bytes[from + i]);
        const quint32 low = i + 1 < size ? quint8(bytes[from + i + 1]) : 0;
        sum += high << 8 | low;
    }
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return quint16(~sum);
}

void fixChecksums(QByteArray& packet)
{
    auto* p = reinterpret_cast<uchar*>(packet.data());
    qToBigEndian<quint16>(0, p + 10);
    qToBigEndian<quint16>(checksum(packet, 0, 20), p + 10);
    const qsizetype tcpBytes = packet.size() - 20;
    quint32 pseudo = 6 + quint32(tcpBytes);
    for (int i = 12; i < 20; i += 2)
        pseudo += qFromBigEndian<quint16>(p + i);
    qToBigEndian<quint16>(0, p + 36);
    qToBigEndian<quint16>(checksum(packet, 20, tcpBytes, pseudo), p + 36);
}

// A SYN as Linux 6.x sends it (captured in the lab): MSS, SACK-permitted, timestamps, NOP, window scale.
QByteArray linuxSyn(quint32 source = ClientPublic, quint32 destination = Server, quint16 port = ServerPort)
{
    QByteArray packet = QByteArray::fromHex("4500003c63be40004006000000000000000000009c4b0000"
                                            "b2f1c06c00000000a002faf000000000"
                                            "020405b40402080a5a06d4d50000000001030307");
    auto* p = reinterpret_cast<uchar*>(packet.data());
    qToBigEndian<quint32>(source, p + 12);
    qToBigEndian<quint32>(destination, p + 16);
    qToBigEndian<quint16>(port, p + 22);
    fixChecksums(packet);
    return packet;
}

QByteArray patched(QByteArray packet, int offset, const QByteArray& bytes, bool fix = true)
{
    packet.replace(offset, bytes.size(), bytes);
    if (fix)
        fixChecksums(packet);
    return packet;
}

QByteArray withTcpOptions(const QByteArray& options)
{
    QByteArray packet = linuxSyn().left(40) + options;
    packet[2] = char(packet.size() >> 8);
    packet[3] = char(packet.size());
    packet[32] = char((packet.size() - 20) / 4 << 4);
    fixChecksums(packet);
    return packet;
}

SynRules serverRules()
{
    SynRules rules;
    rules.hostAddresses = { 0x7F000001, Server, 0xF0090002 }; // lo, eth0, pvc0
    rules.subnetEdges = { 0xC6120000, 0xC612FFFF }; // eth0's 198.18.0.0/16
    rules.targetAddresses = { Server };
    rules.allowedPorts = { ServerPort };
    return rules;
}

QByteArray u32(quint32 value)
{
    QByteArray bytes(4, 0);
    qToBigEndian(value, bytes.data());
    return bytes;
}

// A reply as the kernel sends it: one SOCK_DIAG_BY_FAMILY message per socket, then NLMSG_DONE.
QByteArray diagReply(const QList<TcpSocket>& sockets, quint32 sequence)
{
    QByteArray reply;
    const auto message = [&](quint16 type, const QByteArray& payload) {
        nlmsghdr header {};
        header.nlmsg_len = NLMSG_LENGTH(payload.size());
        header.nlmsg_type = type;
        header.nlmsg_flags = NLM_F_MULTI;
        header.nlmsg_seq = sequence;
        reply += QByteArray(reinterpret_cast<const char*>(&header), sizeof(header)) + payload;
        reply += QByteArray(NLMSG_ALIGN(header.nlmsg_len) - header.nlmsg_len, 0);
    };
    for (const TcpSocket& socket : sockets) {
        inet_diag_msg diag {};
        diag.idiag_family = AF_INET;
        diag.idiag_state = quint8(socket.state);
        diag.id.idiag_sport = htons(socket.port);
        diag.idiag_uid = socket.uid;
        diag.idiag_inode = quint32(socket.inode);
        message(SOCK_DIAG_BY_FAMILY, QByteArray(reinterpret_cast<const char*>(&diag), sizeof(diag)));
    }
    message(NLMSG_DONE, QByteArray(4, 0));
    return reply;
}

} // namespace

class TstSynPacket : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void checks_data();
    void checks();
    void requestFields();
    void portOwnership_data();
    void portOwnership();
    void malformedDiagReplies();
    void kernelListsOurListener();
    void rewriteMakesWhatTheHelperAccepts();
    void rewriteRefusesWhatIsNoSyn();
};

void TstSynPacket::checks_data()
{
    QTest::addColumn<QByteArray>("packet");
    QTest::addColumn<QString>("code"); // empty: accepted

    const QByteArray syn = linuxSyn();
    QTest::newRow("linux SYN") << syn << QString();
    QTest::newRow("SYN offering ECN") << patched(syn, 33, "\xC2") << QString();
    QTest::newRow("bare SYN, no options") << withTcpOptions({}) << QString();
    QTest::newRow("options padded after end") << withTcpOptions(QByteArray::fromHex("020405b400000000")) << QString();

    const QString bad = u"helper.bad_packet"_s;
    QTest::newRow("39 bytes") << syn.left(39) << bad;
    QTest::newRow("84 bytes") << withTcpOptions(QByteArray(44, '\1')) << bad;
    QTest::newRow("IPv6 version") << patched(syn, 0, "\x65") << bad;
    QTest::newRow("IP options") << patched(syn, 0, "\x46") << bad;
    QTest::newRow("total length short") << patched(syn, 2, QByteArray::fromHex("0038")) << bad;
    QTest::newRow("more fragments") << patched(syn, 6, QByteArray::fromHex("2000")) << bad;
    QTest::newRow("fragment offset") << patched(syn, 6, QByteArray::fromHex("0001")) << bad;
    QTest::newRow("reserved IP flag") << patched(syn, 6, QByteArray::fromHex("8000")) << bad;
    QTest::newRow("TTL 0") << patched(syn, 8, QByteArray(1, 0)) << bad;
    QTest::newRow("UDP") << patched(syn, 9, "\x11") << bad;
    QTest::newRow("bad IP checksum") << patched(syn, 10, "\x12\x34", false) << bad;

    const QString badAddress = u"helper.bad_address"_s;
    QTest::newRow("from loopback") << linuxSyn(0x7F000001) << badAddress;
    QTest::newRow("from 0.0.0.0") << linuxSyn(0) << badAddress;
    QTest::newRow("from link-local") << linuxSyn(0xA9FE0001) << badAddress;
    QTest::newRow("from multicast") << linuxSyn(0xE0000001) << badAddress;
    QTest::newRow("from class E") << linuxSyn(0xF0090003) << badAddress;
    QTest::newRow("from broadcast") << linuxSyn(0xFFFFFFFF) << badAddress;
    QTest::newRow("from this host") << linuxSyn(Server) << badAddress;
    QTest::newRow("from the subnet's broadcast") << linuxSyn(0xC612FFFF) << badAddress;
    QTest::newRow("from the subnet's network address") << linuxSyn(0xC6120000) << badAddress;
    QTest::newRow("to another host") << linuxSyn(ClientPublic, 0xC612000B) << badAddress;
    QTest::newRow("to loopback") << linuxSyn(ClientPublic, 0x7F000001) << badAddress;
    QTest::newRow("to this host's overlay address") << linuxSyn(ClientPublic, 0xF0090002) << badAddress;

    QTest::newRow("SYN-ACK") << patched(syn, 33, "\x12") << bad;
    QTest::newRow("RST") << patched(syn, 33, "\x04") << bad;
    QTest::newRow("SYN-FIN") << patched(syn, 33, "\x03") << bad;
    QTest::newRow("SYN-RST") << patched(syn, 33, "\x06") << bad;
    QTest::newRow("SYN-PSH") << patched(syn, 33, "\x0A") << bad;
    QTest::newRow("SYN-URG") << patched(syn, 33, "\x22") << bad;
    QTest::newRow("ACK") << patched(syn, 33, "\x10") << bad;
    QTest::newRow("reserved TCP bits") << patched(syn, 32, "\xA1") << bad;
    QTest::newRow("acknowledgment number") << patched(syn, 28, u32(1)) << bad;
    QTest::newRow("urgent pointer") << patched(syn, 38, QByteArray::fromHex("0001")) << bad;
    QTest::newRow("data after the header") << patched(syn, 32, "\x90") << bad;
    QTest::newRow("header longer than packet") << patched(syn, 32, "\xF0") << bad;
    QTest::newRow("header under 20 bytes") << patched(syn, 32, "\x40") << bad;
    QTest::newRow("source port 0") << patched(syn, 20, QByteArray(2, 0)) << bad;
    QTest::newRow("undeclared port") << linuxSyn(ClientPublic, Server, 22) << u"helper.not_yours"_s;
    QTest::newRow("bad TCP checksum") << patched(syn, 36, QByteArray::fromHex("0001"), false) << bad;
    QTest::newRow("checksum left partial") << patched(syn, 36, "\xBE\xEF", false) << bad;

    QTest::newRow("Fast Open cookie") << withTcpOptions(QByteArray::fromHex("220a0102030405060708") + "\1\1") << bad;
    QTest::newRow("MD5 signature") << withTcpOptions(QByteArray::fromHex("1312") + QByteArray(16, 'k') + "\1\1") << bad;
    QTest::newRow("MSS of length 3") << withTcpOptions(QByteArray::fromHex("020305010101")) << bad;
    QTest::newRow("MSS twice") << withTcpOptions(QByteArray::fromHex("020405b4020405b4")) << bad;
    QTest::newRow("window scale 15") << withTcpOptions(QByteArray::fromHex("0103030f")) << bad;
    QTest::newRow("option past the end") << withTcpOptions(QByteArray::fromHex("01010108")) << bad;
    QTest::newRow("option length 0") << withTcpOptions(QByteArray::fromHex("01010200")) << bad;
    QTest::newRow("junk after end") << withTcpOptions(QByteArray::fromHex("00000001")) << bad;
}

void TstSynPacket::checks()
{
    QFETCH(QByteArray, packet);
    QFETCH(QString, code);
    Syn syn;
    const auto refusal = checkSyn(packet, serverRules(), &syn);
    QCOMPARE(refusal ? refusal->code : QString(), code);
    if (!code.isEmpty())
        return;
    QCOMPARE(syn.source, ClientPublic);
    QCOMPARE(syn.destination, Server);
    QCOMPARE(syn.destinationPort, ServerPort);
    QCOMPARE(syn.sourcePort, quint16(40011));
}

void TstSynPacket::requestFields()
{
    using pvc::helper::parseSynRequest;
    using pvc::helper::parseTcpPort;
    const QByteArray syn = linuxSyn();
    QByteArray packet;
    QVERIFY(!parseSynRequest({ { u"packet"_s, QString::fromLatin1(syn.toBase64()) } }, &packet));
    QCOMPARE(packet, syn);

    const QByteArray eighty(80, 'x');
    QVERIFY(!parseSynRequest({ { u"packet"_s, QString::fromLatin1(eighty.toBase64()) } }, &packet));
    const auto refused = [&](const QJsonValue& value) {
        const auto refusal = parseSynRequest({ { u"packet"_s, value } }, &packet);
        return refusal && refusal->code == "helper.bad_packet"_L1;
    };
    QVERIFY(refused(QString::fromLatin1(QByteArray(81, 'x').toBase64())));
    QVERIFY(refused(QString::fromLatin1(QByteArray(82, 'x').toBase64()))); // 112 characters: never decoded
    QVERIFY(refused(QString(4000, u'A')));
    QVERIFY(refused(QString::fromLatin1(syn.left(59).toBase64()).chopped(1))); // its padding dropped
    QVERIFY(refused(u"RVZJTA==\n"_s));
    QVERIFY(refused(u"RV*JTA=="_s));
    QVERIFY(refused(QJsonValue(42)));
    QVERIFY(refused(QJsonValue()));
    QVERIFY(parseSynRequest({}, &packet));

    quint16 port = 0;
    QVERIFY(!parseTcpPort({ { u"port"_s, 1024 } }, &port));
    QCOMPARE(port, quint16(1024));
    QVERIFY(!parseTcpPort({ { u"port"_s, 65535 } }, &port));
    for (const QJsonValue& bad : { QJsonValue(1023), QJsonValue(22), QJsonValue(65536), QJsonValue(5000.5),
             QJsonValue(u"5000"_s), QJsonValue(-1), QJsonValue() })
        QCOMPARE(parseTcpPort({ { u"port"_s, bad } }, &port)->code, u"helper.bad_port"_s);
}

void TstSynPacket::portOwnership_data()
{
    QTest::addColumn<QList<TcpSocket>>("sockets");
    QTest::addColumn<bool>("owned"); // port 8080 by uid 65534

    const TcpSocket listener { 8080, TCP_LISTEN, 65534, 11 };
    const TcpSocket connecting { 8080, TCP_SYN_SENT, 65534, 12 };
    const TcpSocket rootListener { 8080, TCP_LISTEN, 0, 13 };
    const TcpSocket rootConnection { 8080, TCP_ESTABLISHED, 0, 14 };
    const TcpSocket timeWait { 8080, TCP_TIME_WAIT, 0, 0 };
    const TcpSocket otherPort { 8081, TCP_LISTEN, 0, 15 };
    const TcpSocket v6Listener { 8080, TCP_LISTEN, 1000, 16 };
    QTest::newRow("our listener") << QList { listener } << true;
    QTest::newRow("our listener and connect()") << QList { listener, connecting } << true;
    QTest::newRow("and someone's TIME_WAIT") << QList { listener, timeWait } << true;
    QTest::newRow("someone else's port") << QList { listener, otherPort } << true;
    QTest::newRow("no listener") << QList { connecting } << false;
    QTest::newRow("nothing") << QList<TcpSocket> {} << false;
    QTest::newRow("root listens too") << QList { listener, rootListener } << false;
    QTest::newRow("root connects from it") << QList { listener, rootConnection } << false;
    QTest::newRow("another user on IPv6") << QList { listener, v6Listener } << false;
    QTest::newRow("a connection request") << QList { listener, TcpSocket { 8080, TCP_SYN_RECV, 0, 0 } } << true;
    QTest::newRow("someone's simultaneous open")
        << QList { listener, TcpSocket { 8080, TCP_SYN_RECV, 0, 17 } } << false;
}

void TstSynPacket::portOwnership()
{
    QFETCH(QList<TcpSocket>, sockets);
    QFETCH(bool, owned);
    QCOMPARE(pvc::helper::tcpPortOwnedBy(sockets, 8080, 65534), owned);
    // The same sockets through the kernel's reply format.
    QList<TcpSocket> parsed;
    bool done = false;
    QVERIFY(pvc::helper::parseInetDiagReply(diagReply(sockets, 7), 7, &parsed, &done));
    QVERIFY(done);
    QCOMPARE(pvc::helper::tcpPortOwnedBy(parsed, 8080, 65534), owned);
}

// What is not a reply to this request is refused, never half read.
void TstSynPacket::malformedDiagReplies()
{
    const QByteArray good = diagReply({ { 8080, TCP_LISTEN, 65534, 11 } }, 7);
    QList<TcpSocket> sockets;
    bool done = false;
    QVERIFY(!pvc::helper::parseInetDiagReply(good, 8, &sockets, &done)); // another sequence number
    QVERIFY(!pvc::helper::parseInetDiagReply(good.left(20), 7, &sockets, &done)); // cut in a message
    QByteArray longer = good;
    longer[0] = char(0xFF); // a length past the buffer
    QVERIFY(!pvc::helper::parseInetDiagReply(longer, 7, &sockets, &done));
    QByteArray error = good;
    error[4] = char(NLMSG_ERROR);
    QVERIFY(!pvc::helper::parseInetDiagReply(error, 7, &sockets, &done));
}

// The real kernel, as this (unprivileged) user: a listener of ours is found, and is ours.
void TstSynPacket::kernelListsOurListener()
{
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    QString error;
    const auto sockets = pvc::helper::tcpSocketsOn(server.serverPort(), &error);
    QVERIFY2(sockets, qPrintable(error));
    QVERIFY(pvc::helper::tcpPortOwnedBy(*sockets, server.serverPort(), getuid()));
    QCOMPARE(pvc::helper::listenerInodes(*sockets, server.serverPort()).size(), 1);
    QVERIFY(!pvc::helper::tcpPortOwnedBy(*sockets, server.serverPort(), getuid() + 1));
    for (const TcpSocket& socket : *sockets)
        QCOMPARE(socket.port, server.serverPort()); // the kernel's port filter
}

void TstSynPacket::rewriteMakesWhatTheHelperAccepts()
{
    using pvc::core::rewriteSynForInjection;
    // As the client's capture saw it: its LAN address, and a TCP checksum left partial for offload.
    const QByteArray captured = patched(linuxSyn(Client), 36, "\x12\x34", false);
    Syn syn;
    QVERIFY(checkSyn(captured, serverRules(), &syn)); // refused as it is

    const auto rewritten = rewriteSynForInjection(captured, { QHostAddress(ClientPublic), 0 }, {}, ServerPort);
    QVERIFY2(rewritten, qPrintable(rewritten.error().detail));
    const auto refusal = checkSyn(*rewritten, serverRules(), &syn);
    QVERIFY2(!refusal, qPrintable(refusal ? refusal->detail : QString()));
    QCOMPARE(syn.source, ClientPublic);
    QCOMPARE(syn.sourcePort, quint16(40011)); // kept
    QCOMPARE(*rewritten, linuxSyn()); // and nothing else changed

    // A NAT that moved the port, and a server that learns its own address.
    const auto moved = rewriteSynForInjection(
        linuxSyn(Client, 0xC6130909), { QHostAddress(ClientPublic), 61000 }, QHostAddress(Server), ServerPort);
    QVERIFY(moved);
    QVERIFY(!checkSyn(*moved, serverRules(), &syn));
    QCOMPARE(syn.sourcePort, quint16(61000));
    QCOMPARE(syn.destination, Server);
}

void TstSynPacket::rewriteRefusesWhatIsNoSyn()
{
    using pvc::core::rewriteSynForInjection;
    const pvc::core::TcpEndpoint client { QHostAddress(ClientPublic), 0 };
    const auto code = [&](const QByteArray& packet, quint16 port = ServerPort) {
        const auto result = rewriteSynForInjection(packet, client, {}, port);
        return result ? QString() : result.error().code;
    };
    QCOMPARE(code(linuxSyn()), QString());
    QCOMPARE(code(linuxSyn(), 5012), u"ttcp.bad_syn"_s);
    QCOMPARE(code(patched(linuxSyn(), 33, "\x12")), u"ttcp.bad_syn"_s);
    QCOMPARE(code(linuxSyn().left(30)), u"ttcp.bad_syn"_s);
    QCOMPARE(code(linuxSyn() + QByteArray(60, 0)), u"ttcp.bad_syn"_s);
    QCOMPARE(code(patched(linuxSyn(), 9, "\x11")), u"ttcp.bad_syn"_s);
    const auto v6 = rewriteSynForInjection(linuxSyn(), { QHostAddress(u"2001:db8::1"_s), 0 }, {}, ServerPort);
    QCOMPARE(v6.error().code, u"ttcp.bad_syn"_s);
}

QTEST_GUILESS_MAIN(TstSynPacket)
#include "tst_synpacket.moc"
