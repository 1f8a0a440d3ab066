#include "testpackets.h"
#include "tunnel/ippacket.h"

#include <QSet>
#include <QTest>

using namespace pvc::core;
using namespace pvc::test;

Q_DECLARE_METATYPE(pvc::core::IpPacketError)

namespace {
constexpr quint32 Alice = ip(240, 1, 0, 2);
constexpr quint32 Bob = ip(240, 1, 0, 3);
} // namespace

class TestIpPacket : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void tcpFields()
    {
        const QByteArray bytes = tcp(Alice, 40000, Bob, 9123, tcpflag::Syn | tcpflag::Ack);
        const IpPacketView packet = view(bytes);
        QVERIFY2(packet.isValid(), toString(packet.error()));
        QCOMPARE(packet.size(), std::size_t(40));
        QCOMPARE(packet.headerLength(), std::size_t(20));
        QCOMPARE(packet.protocol(), ipproto::Tcp);
        QCOMPARE(packet.source(), Alice);
        QCOMPARE(packet.destination(), Bob);
        QVERIFY(packet.hasPorts());
        QCOMPARE(packet.sourcePort(), quint16(40000));
        QCOMPARE(packet.destinationPort(), quint16(9123));
        QVERIFY(packet.isTcp());
        QVERIFY(packet.hasTcpFlag(tcpflag::Syn));
        QVERIFY(packet.hasTcpFlag(tcpflag::Ack));
        QVERIFY(!packet.hasTcpFlag(tcpflag::Fin));
        QVERIFY(!packet.hasTcpFlag(tcpflag::Rst));
        QVERIFY(!packet.isFragment());
        QVERIFY(!packet.isIcmp());
        QCOMPARE(packet.icmpId(), quint16(0));
    }

    void tcpFinAndRst()
    {
        const QByteArray fin = tcp(Alice, 1, Bob, 2, tcpflag::Fin | tcpflag::Ack);
        const QByteArray rst = tcp(Alice, 1, Bob, 2, tcpflag::Rst);
        QVERIFY(view(fin).hasTcpFlag(tcpflag::Fin));
        QVERIFY(!view(fin).hasTcpFlag(tcpflag::Syn));
        QCOMPARE(view(rst).tcpFlags(), tcpflag::Rst);
    }

    void udpFields()
    {
        const QByteArray bytes = udp(Bob, 53, Alice, 5353, 100);
        const IpPacketView packet = view(bytes);
        QVERIFY(packet.isValid());
        QCOMPARE(packet.protocol(), ipproto::Udp);
        QCOMPARE(packet.sourcePort(), quint16(53));
        QCOMPARE(packet.destinationPort(), quint16(5353));
        QCOMPARE(packet.tcpFlags(), quint8(0));
    }

    void icmpEcho()
    {
        const QByteArray request = icmp(Alice, Bob, icmptype::EchoRequest, 0xbeef);
        const IpPacketView packet = view(request);
        QVERIFY(packet.isValid());
        QVERIFY(packet.isIcmp());
        QVERIFY(packet.isEcho());
        QCOMPARE(packet.icmpType(), icmptype::EchoRequest);
        QCOMPARE(packet.icmpId(), quint16(0xbeef));
        QVERIFY(!packet.hasPorts());
        QCOMPARE(packet.destinationPort(), quint16(0));

        const QByteArray reply = icmp(Bob, Alice, icmptype::EchoReply, 0xbeef);
        QCOMPARE(view(reply).icmpType(), icmptype::EchoReply);
        QCOMPARE(view(reply).icmpId(), quint16(0xbeef));
    }

    void icmpOtherHasNoId()
    {
        // Destination unreachable: the bytes where an echo keeps its id mean something else.
        const QByteArray bytes = icmp(Alice, Bob, 3, 0x1234, 3);
        const IpPacketView packet = view(bytes);
        QVERIFY(packet.isValid());
        QVERIFY(!packet.isEcho());
        QCOMPARE(packet.icmpType(), quint8(3));
        QCOMPARE(packet.icmpCode(), quint8(3));
        QCOMPARE(packet.icmpId(), quint16(0));
    }

    void headerWithOptions()
    {
        // IHL 6: one 4-byte option word; the ports sit after it.
        QByteArray bytes = ipv4(Alice, Bob, ipproto::Udp, 4 + 8);
        bytes[0] = char(0x46);
        put16(bytes, 24, 1111);
        put16(bytes, 26, 2222);
        const IpPacketView packet = view(bytes);
        QVERIFY2(packet.isValid(), toString(packet.error()));
        QCOMPARE(packet.headerLength(), std::size_t(24));
        QCOMPARE(packet.sourcePort(), quint16(1111));
        QCOMPARE(packet.destinationPort(), quint16(2222));
    }

    void otherProtocol()
    {
        const QByteArray gre = ipv4(Alice, Bob, 47, 4);
        const IpPacketView packet = view(gre);
        QVERIFY(packet.isValid());
        QCOMPARE(packet.protocol(), quint8(47));
        QVERIFY(!packet.hasPorts());
        QVERIFY(!packet.isTcp());
        QVERIFY(!packet.isIcmp());
    }

    void fragments()
    {
        // First fragment: ports are there, more fragments follow.
        QByteArray first = udp(Alice, 7000, Bob, 8000, 100);
        put16(first, 4, 0x4242);
        put16(first, 6, 0x2000);
        const IpPacketView head = view(first);
        QVERIFY(head.isValid());
        QVERIFY(head.isFragment());
        QVERIFY(!head.isLaterFragment());
        QVERIFY(head.moreFragments());
        QCOMPARE(head.identification(), quint16(0x4242));
        QCOMPARE(head.destinationPort(), quint16(8000));

        // A later fragment starts mid-payload: what looks like a port is data and must not be read.
        QByteArray later = ipv4(Alice, Bob, ipproto::Udp, 16, 0x4242, 14);
        put16(later, 22, 22);
        const IpPacketView tail = view(later);
        QVERIFY(tail.isValid());
        QVERIFY(tail.isLaterFragment());
        QVERIFY(!tail.moreFragments());
        QCOMPARE(tail.fragmentOffset(), std::size_t(112));
        QVERIFY(!tail.hasPorts());
        QCOMPARE(tail.destinationPort(), quint16(0));
        QCOMPARE(tail.tcpFlags(), quint8(0));

        // A later fragment may be shorter than a transport header.
        const QByteArray tiny = ipv4(Alice, Bob, ipproto::Tcp, 2, 1, 20);
        QVERIFY(view(tiny).isValid());
        QVERIFY(!view(tiny).isTcp());
    }

    void refusals_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<IpPacketError>("error");

        const QByteArray good = tcp(Alice, 1, Bob, 2, tcpflag::Syn);
        QTest::newRow("empty") << QByteArray() << IpPacketError::Truncated;
        QTest::newRow("19 bytes") << good.left(19) << IpPacketError::Truncated;

        QByteArray v6 = good;
        v6[0] = char(0x65);
        QTest::newRow("version 6") << v6 << IpPacketError::NotIpv4;

        QByteArray shortIhl = good;
        shortIhl[0] = char(0x44);
        QTest::newRow("IHL 4") << shortIhl << IpPacketError::BadHeaderLength;

        QByteArray longIhl = good;
        longIhl[0] = char(0x4f); // 60 bytes of header in a 40-byte packet
        QTest::newRow("IHL beyond total") << longIhl << IpPacketError::BadHeaderLength;

        QByteArray claimsMore = good;
        put16(claimsMore, 2, 41);
        QTest::newRow("total > buffer") << claimsMore << IpPacketError::BadTotalLength;

        QTest::newRow("trailing bytes") << good + QByteArray(4, 'x') << IpPacketError::BadTotalLength;

        QByteArray zeroTotal = good;
        put16(zeroTotal, 2, 0);
        QTest::newRow("total 0") << zeroTotal << IpPacketError::BadTotalLength;

        QTest::newRow("tcp header cut") << ipv4(Alice, Bob, ipproto::Tcp, 13) << IpPacketError::TruncatedTransport;
        QTest::newRow("udp header cut") << ipv4(Alice, Bob, ipproto::Udp, 7) << IpPacketError::TruncatedTransport;
        QTest::newRow("icmp header cut") << ipv4(Alice, Bob, ipproto::Icmp, 4) << IpPacketError::TruncatedTransport;
        QTest::newRow("first fragment cut")
            << ipv4(Alice, Bob, ipproto::Tcp, 8, 9, 0x2000) << IpPacketError::TruncatedTransport;
        QTest::newRow("tcp at offset 8") << ipv4(Alice, Bob, ipproto::Tcp, 40, 9, 1) << IpPacketError::TinyFragment;
    }

    void refusals()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(IpPacketError, error);
        const IpPacketView packet = view(bytes);
        QVERIFY(!packet.isValid());
        QCOMPARE(packet.error(), error);
        // A refused view reads as zeros, never from the buffer it refused.
        QCOMPARE(packet.source(), quint32(0));
        QCOMPARE(packet.protocol(), quint8(0));
        QVERIFY(!packet.hasPorts());
        QCOMPARE(packet.size(), std::size_t(0));
    }

    void nullBuffer()
    {
        const IpPacketView packet(nullptr, 40);
        QCOMPARE(packet.error(), IpPacketError::Truncated);
        QVERIFY(!IpPacketView().isValid());
    }

    void errorNamesAreDistinct()
    {
        QSet<QByteArray> names;
        for (auto error :
            { IpPacketError::None, IpPacketError::Truncated, IpPacketError::NotIpv4, IpPacketError::BadHeaderLength,
                IpPacketError::BadTotalLength, IpPacketError::TruncatedTransport, IpPacketError::TinyFragment })
            names.insert(QByteArray(toString(error)));
        QCOMPARE(names.size(), 7);
        QVERIFY(!names.contains("unknown"));
    }
};

QTEST_GUILESS_MAIN(TestIpPacket)
#include "tst_ippacket.moc"
