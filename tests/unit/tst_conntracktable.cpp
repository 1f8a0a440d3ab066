// ConntrackTable, the flow table under Conntrack: entries stay findable however others are erased
// around them (backward-shift deletion), a full probe window refuses instead of displacing a live
// flow, expired slots are reused in place, and the sweeps remove exactly what they should.
#include "tunnel/conntracktable.h"

#include <QRandomGenerator>
#include <QTest>

using namespace pvc::core;

namespace {

ConntrackKey keyOf(quint32 peer, quint16 port)
{
    ConntrackKey key;
    key.peer = peer;
    key.local = 0xf0010002;
    key.localPort = port;
    key.remotePort = 4000;
    key.protocol = 17;
    return key;
}

ConntrackEntry* add(ConntrackTable& table, const ConntrackKey& key, quint64 expiresAt, quint64 nowMs = 0)
{
    ConntrackEntry* entry = table.insert(key, nowMs);
    if (entry)
        entry->expiresAt = expiresAt;
    return entry;
}

} // namespace

class TestConntrackTable : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void capacityIsAPowerOfTwo()
    {
        QCOMPARE(ConntrackTable(1).capacity(), 8);
        QCOMPARE(ConntrackTable(100).capacity(), 128);
    }

    void erasingKeepsTheOthersFindable()
    {
        QRandomGenerator random(9); // reproducible; the table's own hash seed still varies per run
        for (int round = 0; round < 50; ++round) {
            ConntrackTable table(64);
            QList<ConntrackKey> kept;
            for (quint16 port = 1; port <= 48; ++port) {
                const ConntrackKey key = keyOf(0xf0010003, port);
                if (!add(table, key, 1000))
                    continue; // a crowded window: refused, which another case covers
                kept << key;
            }
            QList<ConntrackKey> erased;
            while (erased.size() < kept.size() / 2) {
                const ConntrackKey key = kept.takeAt(random.bounded(int(kept.size())));
                ConntrackEntry* entry = table.find(key);
                QVERIFY(entry);
                table.erase(entry);
                erased << key;
            }
            QCOMPARE(table.size(), int(kept.size()));
            for (const ConntrackKey& key : std::as_const(kept))
                QVERIFY(table.find(key));
            for (const ConntrackKey& key : std::as_const(erased))
                QVERIFY(!table.find(key));
        }
    }

    void fullWindowRefusesAndCounts()
    {
        ConntrackTable table(8); // the probe window is the whole table
        for (quint16 port = 1; port <= 8; ++port)
            QVERIFY(add(table, keyOf(1, port), 1000));
        QCOMPARE(table.size(), 8);
        QVERIFY(!add(table, keyOf(1, 9), 1000, 999));
        QCOMPARE(table.tableFullDrops(), quint64(1));
        for (quint16 port = 1; port <= 8; ++port)
            QVERIFY(table.find(keyOf(1, port))); // nothing was displaced
    }

    void expiredSlotsAreReused()
    {
        ConntrackTable table(8);
        for (quint16 port = 1; port <= 8; ++port)
            QVERIFY(add(table, keyOf(1, port), 100));
        ConntrackEntry* entry = add(table, keyOf(1, 9), 1000, 100);
        QVERIFY(entry);
        QCOMPARE(entry->key, keyOf(1, 9));
        QCOMPARE(table.size(), 8);
        QCOMPARE(table.tableFullDrops(), quint64(0));
    }

    void sweeps()
    {
        ConntrackTable table(64);
        for (quint16 port = 1; port <= 10; ++port) {
            QVERIFY(add(table, keyOf(1, port), port % 2 ? 100 : 1000));
            QVERIFY(add(table, keyOf(2, port), 1000));
        }
        table.expire(100);
        QCOMPARE(table.size(), 15);
        for (quint16 port = 1; port <= 10; ++port)
            QCOMPARE(bool(table.find(keyOf(1, port))), port % 2 == 0);
        table.forgetPeer(2);
        QCOMPARE(table.size(), 5);
        for (quint16 port = 1; port <= 10; ++port)
            QVERIFY(!table.find(keyOf(2, port)));
    }
};

QTEST_GUILESS_MAIN(TestConntrackTable)
#include "tst_conntracktable.moc"
