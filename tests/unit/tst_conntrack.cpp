#include "testpackets.h"
#include "tunnel/conntrack.h"

#include <QTest>
#include <atomic>
#include <thread>

using namespace pvc::core;
using namespace pvc::test;

using Verdict = Conntrack::Verdict;
Q_DECLARE_METATYPE(pvc::core::Conntrack::Verdict)

namespace {
constexpr quint32 LocalIp = ip(240, 1, 0, 2);
constexpr quint32 PeerIp = ip(240, 1, 0, 3);
constexpr quint32 OtherIp = ip(240, 1, 0, 4);

const Endpoint Local { QStringLiteral("alice"), { QStringLiteral("volunteer") } };
const PeerIdentity Peer { PeerIp, { QStringLiteral("bob"), { QStringLiteral("volunteer") } } };
const PeerIdentity Other { OtherIp, { QStringLiteral("carol"), { QStringLiteral("admin") } } };

std::shared_ptr<const PolicySet> policyOf(const QByteArray& rules)
{
    const auto policy = Policy::parse(R"({"format":"pvc-policy-1","rules":[)" + rules + "]}");
    if (!policy)
        qFatal("test policy does not parse: %s", qPrintable(policy.error().detail));
    auto set = std::make_shared<PolicySet>();
    set->setGlobal(*policy);
    return set;
}

const QByteArray DenyAll;
const QByteArray AllowTcp9123 = R"({"from":"any","to":"any","proto":"tcp","ports":"9123"})";
} // namespace

class TestConntrack : public QObject {
    Q_OBJECT

    std::unique_ptr<Conntrack> m_track;

    Conntrack& track(const QByteArray& rules = DenyAll, int capacity = 1024)
    {
        m_track = std::make_unique<Conntrack>(LocalIp, Local, capacity);
        m_track->setPolicy(policyOf(rules));
        return *m_track;
    }

private Q_SLOTS:
    void replyPasses()
    {
        Conntrack& t = track();
        QVERIFY(t.outbound(view(udp(LocalIp, 5000, PeerIp, 53)), 0));
        QCOMPARE(t.size(), 1);
        QCOMPARE(t.inbound(view(udp(PeerIp, 53, LocalIp, 5000)), Peer, 10), Verdict::Established);
        // Another port pair, or the same ports from another peer, is not the reply.
        QCOMPARE(t.inbound(view(udp(PeerIp, 53, LocalIp, 5001)), Peer, 10), Verdict::RefusedByPolicy);
        QCOMPARE(t.inbound(view(udp(PeerIp, 54, LocalIp, 5000)), Peer, 10), Verdict::RefusedByPolicy);
        QCOMPARE(t.inbound(view(udp(OtherIp, 53, LocalIp, 5000)), Other, 10), Verdict::RefusedByPolicy);
        QCOMPARE(t.size(), 1);
    }

    void unsolicitedRefused()
    {
        Conntrack& t = track();
        QCOMPARE(t.inbound(view(tcp(PeerIp, 40000, LocalIp, 22, tcpflag::Syn)), Peer, 0), Verdict::RefusedByPolicy);
        QCOMPARE(t.inbound(view(tcp(PeerIp, 40000, LocalIp, 22, tcpflag::Ack)), Peer, 0), Verdict::RefusedByPolicy);
        QCOMPARE(t.inbound(view(udp(PeerIp, 1, LocalIp, 2)), Peer, 0), Verdict::RefusedByPolicy);
        QCOMPARE(t.size(), 0);
    }

    void noPolicyRefusesNew()
    {
        Conntrack t(LocalIp, Local, 64);
        QCOMPARE(t.inbound(view(tcp(PeerIp, 40000, LocalIp, 9123, tcpflag::Syn)), Peer, 0), Verdict::RefusedByPolicy);
        QVERIFY(t.outbound(view(udp(LocalIp, 5000, PeerIp, 53)), 0));
        QCOMPARE(t.inbound(view(udp(PeerIp, 53, LocalIp, 5000)), Peer, 1), Verdict::Established);
    }

    void allowedNewIsTracked()
    {
        Conntrack& t = track(AllowTcp9123);
        QCOMPARE(t.inbound(view(tcp(PeerIp, 40000, LocalIp, 9123, tcpflag::Syn)), Peer, 0), Verdict::New);
        QCOMPARE(t.size(), 1);
        QVERIFY(t.outbound(view(tcp(LocalIp, 9123, PeerIp, 40000, tcpflag::Syn | tcpflag::Ack)), 1));
        QCOMPARE(t.size(), 1);
        QCOMPARE(t.inbound(view(tcp(PeerIp, 40000, LocalIp, 9123, tcpflag::Ack)), Peer, 2), Verdict::Established);
        QCOMPARE(t.inbound(view(tcp(PeerIp, 40000, LocalIp, 9124, tcpflag::Syn)), Peer, 3), Verdict::RefusedByPolicy);
    }

    void identityChecks_data()
    {
        QTest::addColumn<QByteArray>("packet");
        QTest::addColumn<Verdict>("verdict");
        QTest::newRow("spoofed source") << tcp(OtherIp, 1, LocalIp, 9123, tcpflag::Syn) << Verdict::RefusedSpoofed;
        QTest::newRow("not for us") << tcp(PeerIp, 1, OtherIp, 9123, tcpflag::Syn) << Verdict::RefusedNotLocal;
        QTest::newRow("malformed") << tcp(PeerIp, 1, LocalIp, 9123, tcpflag::Syn).left(30) << Verdict::RefusedMalformed;
    }

    void identityChecks()
    {
        QFETCH(QByteArray, packet);
        QFETCH(Verdict, verdict);
        Conntrack& t = track(R"({"from":"any","to":"any","proto":"any"})");
        QCOMPARE(t.inbound(view(packet), Peer, 0), verdict);
        QVERIFY(!Conntrack::passes(verdict));
        QCOMPARE(t.size(), 0);
    }

    void outboundFromElsewhereIsNotTracked()
    {
        Conntrack& t = track();
        QVERIFY(!t.outbound(view(udp(OtherIp, 5000, PeerIp, 53)), 0));
        QVERIFY(!t.outbound(view(QByteArray(10, '\0')), 0));
        QCOMPARE(t.size(), 0);
    }

    void udpTimeout()
    {
        Conntrack& t = track();
        QVERIFY(t.outbound(view(udp(LocalIp, 5000, PeerIp, 53)), 1000));
        const QByteArray reply = udp(PeerIp, 53, LocalIp, 5000);
        QCOMPARE(t.inbound(view(reply), Peer, 1000 + Conntrack::UdpTimeoutMs - 1), Verdict::Established);
        // The reply refreshed the flow: it lives 60 s from the last packet, either way.
        const quint64 last = 1000 + Conntrack::UdpTimeoutMs - 1;
        QCOMPARE(t.inbound(view(reply), Peer, last + Conntrack::UdpTimeoutMs - 1), Verdict::Established);
        const quint64 later = last + Conntrack::UdpTimeoutMs - 1;
        QCOMPARE(t.inbound(view(reply), Peer, later + Conntrack::UdpTimeoutMs), Verdict::RefusedByPolicy);

        QVERIFY(t.outbound(view(udp(LocalIp, 6000, PeerIp, 53)), 0));
        QCOMPARE(
            t.inbound(view(udp(PeerIp, 53, LocalIp, 6000)), Peer, Conntrack::UdpTimeoutMs), Verdict::RefusedByPolicy);
    }

    void tcpTimeout()
    {
        Conntrack& t = track();
        QVERIFY(t.outbound(view(tcp(LocalIp, 40000, PeerIp, 22, tcpflag::Syn)), 0));
        const QByteArray ack = tcp(PeerIp, 22, LocalIp, 40000, tcpflag::Ack);
        QCOMPARE(t.inbound(view(tcp(PeerIp, 22, LocalIp, 40000, tcpflag::Syn | tcpflag::Ack)), Peer, 100),
            Verdict::Established);
        // Idle for just under the timeout: still there. Then idle for the timeout: gone.
        QCOMPARE(t.inbound(view(ack), Peer, 100 + Conntrack::TcpTimeoutMs - 1), Verdict::Established);
        QCOMPARE(t.inbound(view(ack), Peer, 100 + 2 * Conntrack::TcpTimeoutMs - 1), Verdict::RefusedByPolicy);
    }

    // A Work Queue worker connects to the manager, then waits for work: an hour later the manager's task (or its
    // FIN) must still reach it (RFC 5382: at least 2 h 4 min for an established flow).
    void idleWorkerConnectionSurvivesAnHour()
    {
        Conntrack& t = track();
        QVERIFY(t.outbound(view(tcp(LocalIp, 41000, PeerIp, 9123, tcpflag::Syn)), 0));
        QCOMPARE(t.inbound(view(tcp(PeerIp, 9123, LocalIp, 41000, tcpflag::Syn | tcpflag::Ack)), Peer, 50),
            Verdict::Established);
        QVERIFY(t.outbound(view(tcp(LocalIp, 41000, PeerIp, 9123, tcpflag::Ack)), 60));
        const quint64 anHourLater = 60 + 3600 * 1000;
        QCOMPARE(
            t.inbound(view(tcp(PeerIp, 9123, LocalIp, 41000, tcpflag::Ack)), Peer, anHourLater), Verdict::Established);
        QVERIFY(Conntrack::TcpTimeoutMs >= (2 * 3600 + 4 * 60) * 1000ULL);
    }

    void icmpEchoReply()
    {
        Conntrack& t = track();
        QVERIFY(t.outbound(view(icmp(LocalIp, PeerIp, icmptype::EchoRequest, 77)), 0));
        QCOMPARE(t.inbound(view(icmp(PeerIp, LocalIp, icmptype::EchoReply, 77)), Peer, 1000), Verdict::Established);
        QCOMPARE(t.inbound(view(icmp(PeerIp, LocalIp, icmptype::EchoReply, 78)), Peer, 1000), Verdict::RefusedByPolicy);
        // The peer cannot ride on our ping to ping us.
        QCOMPARE(
            t.inbound(view(icmp(PeerIp, LocalIp, icmptype::EchoRequest, 77)), Peer, 1000), Verdict::RefusedByPolicy);
        QCOMPARE(t.inbound(view(icmp(PeerIp, LocalIp, icmptype::EchoReply, 77)), Peer, 1000 + Conntrack::IcmpTimeoutMs),
            Verdict::RefusedByPolicy);
    }

    void icmpEchoAllowedByPolicy()
    {
        Conntrack& t = track(R"({"from":"any","to":"any","proto":"icmp"})");
        QCOMPARE(t.inbound(view(icmp(PeerIp, LocalIp, icmptype::EchoRequest, 5)), Peer, 0), Verdict::New);
        QVERIFY(t.outbound(view(icmp(LocalIp, PeerIp, icmptype::EchoReply, 5)), 1));
        QCOMPARE(t.inbound(view(icmp(PeerIp, LocalIp, icmptype::EchoRequest, 5)), Peer, 2), Verdict::Established);
        QCOMPARE(t.size(), 1);
    }

    void icmpErrorsAreJudgedOneByOne()
    {
        const QByteArray unreachable = icmp(PeerIp, LocalIp, 3, 0, 3);
        Conntrack& t = track();
        QVERIFY(t.outbound(view(udp(LocalIp, 5000, PeerIp, 53)), 0));
        QCOMPARE(t.inbound(view(unreachable), Peer, 1), Verdict::RefusedByPolicy);
        Conntrack& allowing = track(R"({"from":"any","to":"any","proto":"icmp"})");
        QCOMPARE(allowing.inbound(view(unreachable), Peer, 1), Verdict::New);
        QCOMPARE(allowing.size(), 0);
    }

    void finShortensTimeout()
    {
        for (const quint8 closing : { quint8(tcpflag::Fin | tcpflag::Ack), quint8(tcpflag::Rst) }) {
            Conntrack& t = track();
            QVERIFY(t.outbound(view(tcp(LocalIp, 40000, PeerIp, 22, tcpflag::Syn)), 0));
            QVERIFY(t.outbound(view(tcp(LocalIp, 40001, PeerIp, 22, tcpflag::Syn)), 0));
            QVERIFY(t.outbound(view(tcp(LocalIp, 40000, PeerIp, 22, closing)), 10'000));
            QVERIFY(t.outbound(view(tcp(LocalIp, 40001, PeerIp, 22, tcpflag::Ack)), 10'000));
            const quint64 after = 10'000 + Conntrack::TcpClosingTimeoutMs;
            QCOMPARE(
                t.inbound(view(tcp(PeerIp, 22, LocalIp, 40000, tcpflag::Ack)), Peer, after - 1), Verdict::Established);
            // The closing flow lives 30 s from its last packet; the open one five minutes.
            QCOMPARE(t.inbound(view(tcp(PeerIp, 22, LocalIp, 40000, tcpflag::Ack)), Peer, after - 1 + 30'000),
                Verdict::RefusedByPolicy);
            QCOMPARE(t.inbound(view(tcp(PeerIp, 22, LocalIp, 40001, tcpflag::Ack)), Peer, after - 1 + 30'000),
                Verdict::Established);
        }
    }

    void synReopensClosingFlow()
    {
        Conntrack& t = track();
        QVERIFY(t.outbound(view(tcp(LocalIp, 40000, PeerIp, 22, tcpflag::Syn)), 0));
        QVERIFY(t.outbound(view(tcp(LocalIp, 40000, PeerIp, 22, tcpflag::Rst)), 1000));
        QVERIFY(t.outbound(view(tcp(LocalIp, 40000, PeerIp, 22, tcpflag::Syn)), 2000));
        QCOMPARE(
            t.inbound(view(tcp(PeerIp, 22, LocalIp, 40000, tcpflag::Ack)), Peer, 2000 + 60'000), Verdict::Established);
    }

    void peerSynOnOurFlowIsJudged()
    {
        Conntrack& t = track();
        QVERIFY(t.outbound(view(tcp(LocalIp, 40000, PeerIp, 22, tcpflag::Syn)), 0));
        QCOMPARE(t.inbound(view(tcp(PeerIp, 22, LocalIp, 40000, tcpflag::Syn)), Peer, 1), Verdict::RefusedByPolicy);
        QCOMPARE(t.inbound(view(tcp(PeerIp, 22, LocalIp, 40000, tcpflag::Syn | tcpflag::Ack)), Peer, 1),
            Verdict::Established);
    }

    void tableFull()
    {
        Conntrack& t = track(AllowTcp9123, 8);
        QCOMPARE(t.capacity(), 8);
        for (quint16 port = 1; port <= 8; ++port)
            QVERIFY(t.outbound(view(udp(LocalIp, port, PeerIp, 53)), 0));
        QCOMPARE(t.size(), 8);
        QCOMPARE(t.tableFullDrops(), quint64(0));

        QVERIFY(!t.outbound(view(udp(LocalIp, 9, PeerIp, 53)), 1));
        QCOMPARE(t.tableFullDrops(), quint64(1));
        QCOMPARE(t.inbound(view(udp(PeerIp, 53, LocalIp, 9)), Peer, 2), Verdict::RefusedByPolicy);
        QCOMPARE(t.inbound(view(tcp(PeerIp, 40000, LocalIp, 9123, tcpflag::Syn)), Peer, 2), Verdict::RefusedTableFull);
        QCOMPARE(t.tableFullDrops(), quint64(2));
        // Tracked flows go on as before.
        QCOMPARE(t.inbound(view(udp(PeerIp, 53, LocalIp, 8)), Peer, 3), Verdict::Established);
        QCOMPARE(t.size(), 8);

        // Keep one flow alive; once the others expire, new flows take their slots.
        QCOMPARE(t.inbound(view(udp(PeerIp, 53, LocalIp, 1)), Peer, 50'000), Verdict::Established);
        const quint64 later = Conntrack::UdpTimeoutMs + 10;
        QCOMPARE(t.inbound(view(tcp(PeerIp, 40000, LocalIp, 9123, tcpflag::Syn)), Peer, later), Verdict::New);
        QVERIFY(t.outbound(view(udp(LocalIp, 9, PeerIp, 53)), later));
        QCOMPARE(t.size(), 8);
        QCOMPARE(t.inbound(view(udp(PeerIp, 53, LocalIp, 1)), Peer, later), Verdict::Established);
        t.expire(later);
        QCOMPARE(t.size(), 3);
        QCOMPARE(t.tableFullDrops(), quint64(2));
    }

    void capacityRounding()
    {
        QCOMPARE(Conntrack(LocalIp, Local, 1000).capacity(), 1024);
        QCOMPARE(Conntrack(LocalIp, Local, 0).capacity(), 8);
        QCOMPARE(Conntrack(LocalIp, Local).capacity(), Conntrack::DefaultCapacity);
    }

    // Many flows started at different times, then half expire: removing them must not hide the rest.
    void expireKeepsLiveFlows()
    {
        Conntrack& t = track(DenyAll, 1024);
        for (quint16 port = 1; port <= 900; ++port)
            QVERIFY(t.outbound(view(udp(LocalIp, port, PeerIp, 53)), port % 2 ? 0 : 30'000));
        QCOMPARE(t.size(), 900);
        t.expire(Conntrack::UdpTimeoutMs);
        QCOMPARE(t.size(), 450);
        for (quint16 port = 1; port <= 900; ++port) {
            const Verdict verdict = t.inbound(view(udp(PeerIp, 53, LocalIp, port)), Peer, Conntrack::UdpTimeoutMs);
            QCOMPARE(verdict, port % 2 ? Verdict::RefusedByPolicy : Verdict::Established);
        }
        t.expire(30'000 + Conntrack::UdpTimeoutMs + Conntrack::UdpTimeoutMs);
        QCOMPARE(t.size(), 0);
    }

    void forgetPeer()
    {
        Conntrack& t = track();
        for (quint16 port = 1; port <= 100; ++port) {
            QVERIFY(t.outbound(view(udp(LocalIp, port, PeerIp, 53)), 0));
            QVERIFY(t.outbound(view(udp(LocalIp, port, OtherIp, 53)), 0));
        }
        t.forgetPeer(PeerIp);
        QCOMPARE(t.size(), 100);
        for (quint16 port = 1; port <= 100; ++port) {
            QCOMPARE(t.inbound(view(udp(PeerIp, 53, LocalIp, port)), Peer, 1), Verdict::RefusedByPolicy);
            QCOMPARE(t.inbound(view(udp(OtherIp, 53, LocalIp, port)), Other, 1), Verdict::Established);
        }
    }

    void policyChangeRejudgesAdmittedFlows()
    {
        Conntrack& t = track(AllowTcp9123);
        QCOMPARE(t.inbound(view(tcp(PeerIp, 40000, LocalIp, 9123, tcpflag::Syn)), Peer, 0), Verdict::New);
        QVERIFY(t.outbound(view(tcp(LocalIp, 50000, PeerIp, 80, tcpflag::Syn)), 0));

        // Same rules again: the admitted flow is judged again and still passes.
        t.setPolicy(policyOf(AllowTcp9123));
        QCOMPARE(t.inbound(view(tcp(PeerIp, 40000, LocalIp, 9123, tcpflag::Ack)), Peer, 1), Verdict::Established);

        t.setPolicy(policyOf(DenyAll));
        QCOMPARE(t.inbound(view(tcp(PeerIp, 40000, LocalIp, 9123, tcpflag::Ack)), Peer, 2), Verdict::RefusedByPolicy);
        QCOMPARE(t.size(), 1);
        // Our own connection is not the policy's business.
        QCOMPARE(t.inbound(view(tcp(PeerIp, 80, LocalIp, 50000, tcpflag::Ack)), Peer, 2), Verdict::Established);
    }

    void fragments()
    {
        Conntrack& t = track(R"({"from":"any","to":"any","proto":"udp","ports":"5000"})");
        QByteArray first = udp(PeerIp, 7000, LocalIp, 5000, 1472);
        put16(first, 4, 0x1111);
        put16(first, 6, 0x2000);
        const QByteArray later = ipv4(PeerIp, LocalIp, ipproto::Udp, 500, 0x1111, 185);
        const QByteArray stray = ipv4(PeerIp, LocalIp, ipproto::Udp, 500, 0x2222, 185);

        QCOMPARE(t.inbound(view(later), Peer, 0), Verdict::RefusedFragment); // before its first fragment
        QCOMPARE(t.inbound(view(first), Peer, 0), Verdict::New);
        QCOMPARE(t.inbound(view(later), Peer, 1), Verdict::Established);
        QCOMPARE(t.inbound(view(stray), Peer, 1), Verdict::RefusedFragment);
        QCOMPARE(t.inbound(view(later), Peer, Conntrack::FragmentTimeoutMs), Verdict::RefusedFragment);

        // A refused first fragment lets none of the rest through.
        QByteArray refused = udp(PeerIp, 7000, LocalIp, 6000, 1472);
        put16(refused, 4, 0x3333);
        put16(refused, 6, 0x2000);
        QCOMPARE(t.inbound(view(refused), Peer, 2), Verdict::RefusedByPolicy);
        QCOMPARE(
            t.inbound(view(ipv4(PeerIp, LocalIp, ipproto::Udp, 500, 0x3333, 185)), Peer, 2), Verdict::RefusedFragment);

        // Outbound later fragments have nothing to track, and are not refused.
        QVERIFY(t.outbound(view(ipv4(LocalIp, PeerIp, ipproto::Udp, 500, 0x4444, 185)), 3));
    }

    void otherProtocols()
    {
        Conntrack& t = track();
        QVERIFY(t.outbound(view(ipv4(LocalIp, PeerIp, 47, 8)), 0));
        QCOMPARE(
            t.inbound(view(ipv4(PeerIp, LocalIp, 47, 8)), Peer, Conntrack::OtherTimeoutMs - 1), Verdict::Established);
        QCOMPARE(t.inbound(view(ipv4(OtherIp, LocalIp, 47, 8)), Other, 1), Verdict::RefusedByPolicy);
    }

    // Another thread swaps policies while the data plane filters: no torn reads, no freed policy.
    void policySwapFromAnotherThread()
    {
        Conntrack& t = track(AllowTcp9123, Conntrack::DefaultCapacity);
        const auto allow = policyOf(AllowTcp9123);
        const auto deny = policyOf(DenyAll);
        std::atomic<bool> done { false };
        std::thread writer([&] {
            for (int i = 0; !done.load(); ++i)
                t.setPolicy(i % 2 ? allow : policyOf(DenyAll));
        });
        for (quint16 port = 1; port <= 20000; ++port) {
            const Verdict verdict = t.inbound(view(tcp(PeerIp, port, LocalIp, 9123, tcpflag::Syn)), Peer, port);
            QVERIFY(verdict == Verdict::New || verdict == Verdict::RefusedByPolicy);
        }
        done = true;
        writer.join();
        t.setPolicy(deny);
        QCOMPARE(t.inbound(view(tcp(PeerIp, 1, LocalIp, 9123, tcpflag::Syn)), Peer, 30'000), Verdict::RefusedByPolicy);
        t.setPolicy(allow);
        QCOMPARE(t.inbound(view(tcp(PeerIp, 1, LocalIp, 9123, tcpflag::Syn)), Peer, 30'001), Verdict::New);
    }
};

QTEST_GUILESS_MAIN(TestConntrack)
#include "tst_conntrack.moc"
