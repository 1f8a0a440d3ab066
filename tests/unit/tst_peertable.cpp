#include "tunnel/peertable.h"

#include <QCryptographicHash>
#include <QTest>

using namespace pvc::core;

namespace {

using Clock = TunnelSession::Clock;

constexpr quint32 BobIp = 0xf0090003;
constexpr quint32 CarolIp = 0xf0090004;

QByteArray fakeExporter(QByteArray label, QByteArray context, int length)
{
    QByteArray out;
    while (out.size() < length)
        out += QCryptographicHash::hash(
            "peertable/" + label + '/' + context + QByteArray::number(out.size()), QCryptographicHash::Sha256);
    return out.left(length);
}

std::unique_ptr<TunnelSession> session(quint32 localIndex, quint32 virtualIp)
{
    TunnelSession::Config config;
    config.name = QStringLiteral("peer");
    config.virtualIp = virtualIp;
    config.localIndex = localIndex;
    config.remoteIndex = localIndex + 0x100;
    auto keys = TunnelKeys::derive(fakeExporter, TunnelKeys::Role::Client, 2);
    auto created = TunnelSession::create(config, std::move(keys).value(), Clock::now());
    return created.ok() ? std::move(created).value() : nullptr;
}

PeerTable::Peer& add(PeerTable& table, quint32 localIndex, quint32 virtualIp)
{
    return table.add(localIndex, session(localIndex, virtualIp), std::make_shared<PeerCounters>(), Clock::now());
}

} // namespace

// The packet loop's peer table: what arrives finds its session by our index, what leaves by the
// peer's virtual IP; a newer session for the same peer takes the outbound route, and the older one
// gets it back if the newer goes first (make-before-break, dataplane.h).
class TestPeerTable : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void findsByIndexAndRoutesByVirtualIp()
    {
        PeerTable table;
        PeerTable::Peer& bob = add(table, 0xa1, BobIp);
        PeerTable::Peer& carol = add(table, 0xa2, CarolIp);
        QCOMPARE(table.find(0xa1), &bob);
        QCOMPARE(table.find(0xa2), &carol);
        QCOMPARE(table.find(0xa3), nullptr);
        QCOMPARE(table.route(BobIp), &bob);
        QCOMPARE(table.route(CarolIp), &carol);
        QCOMPARE(table.route(0xf0090009), nullptr);
    }

    void newerSessionTakesTheRouteAndGivesItBack()
    {
        PeerTable table;
        PeerTable::Peer& older = add(table, 0xa1, BobIp);
        PeerTable::Peer& newer = add(table, 0xa2, BobIp);
        QCOMPARE(table.route(BobIp), &newer);
        QCOMPARE(table.find(0xa1), &older); // still opens what arrives for it
        QCOMPARE(table.remove(0xa2), -1);
        QCOMPARE(table.route(BobIp), &older);
        QCOMPARE(table.remove(0xa1), -1);
        QCOMPARE(table.route(BobIp), nullptr);
        QCOMPARE(table.find(0xa1), nullptr);
        QCOMPARE(table.remove(0xa1), -1); // gone already
    }

    void removingTheOlderSessionKeepsTheNewerRoute()
    {
        PeerTable table;
        add(table, 0xa1, BobIp);
        PeerTable::Peer& newer = add(table, 0xa2, BobIp);
        table.remove(0xa1);
        QCOMPARE(table.route(BobIp), &newer);
    }

    void theLastPeerOnAnExtraSocketHandsItBack()
    {
        PeerTable table;
        add(table, 0xa1, BobIp).socket = 42;
        add(table, 0xa2, CarolIp).socket = 42;
        add(table, 0xa3, 0xf0090005).socket = 43;
        QCOMPARE(table.remove(0xa1), -1); // carol still uses 42
        QCOMPARE(table.remove(0xa2), 42);
        table.detachSocket(43);
        QCOMPARE(table.find(0xa3)->socket, -1);
        QCOMPARE(table.remove(0xa3), -1);
    }

    void forEachVisitsEveryPeer()
    {
        PeerTable table;
        add(table, 0xa1, BobIp);
        add(table, 0xa2, CarolIp);
        int visited = 0;
        table.forEach([&visited](PeerTable::Peer& peer) {
            QVERIFY(peer.session && peer.counters);
            ++visited;
        });
        QCOMPARE(visited, 2);
    }
};

QTEST_GUILESS_MAIN(TestPeerTable)
#include "tst_peertable.moc"
