// NAT traversal as users meet it (docs/connectivity.md, "Lab tests"): twelve members, two behind each kind of home
// network of tests/lab/topologies/nat-pairs.topo, two brokers and an online master, all real processes in network
// namespaces. Every pair of kinds must carry a TCP transfer over the overlay, every pair that can be direct must end
// direct, a dead broker must break nothing established, and a tunnel must move between its direct path and the
// relay under a running transfer. One grid serves the whole class. Needs root; skipped otherwise.
#include "tst_nat.h"

void TstNat::initTestCase()
{
    if (!LabNetwork::isRoot())
        QSKIP("the lab needs root (network namespaces, pvc-helper)");
    for (const char* tool : { "ip", "nft", "tc", "socat", "setpriv", "ss", "env" }) {
        QVERIFY2(!QStandardPaths::findExecutable(QString::fromLatin1(tool)).isEmpty(),
            qPrintable(
                QStringLiteral("%1 is missing; see installer/debian-packages.txt").arg(QString::fromLatin1(tool))));
    }
    for (const char* binary : { "pvc-admin", "pvc-broker", "pvc-helper", "pvcd", "pvc" })
        QVERIFY2(QFileInfo(LabGrid::binary(QString::fromLatin1(binary))).isExecutable(),
            qPrintable(LabGrid::binary(QString::fromLatin1(binary)) + QStringLiteral(" is not built")));
    LabNetwork::sweepStale();

    QElapsedTimer timer;
    timer.start();
    m_lab = std::make_unique<LabNetwork>(LabNetwork::topology(QStringLiteral("nat-pairs")));
    QVERIFY2(m_lab->isUp(), qPrintable(m_lab->error()));
    m_grid = std::make_unique<LabGrid>(*m_lab, brokers);
    QVERIFY2(m_grid->start(), qPrintable(m_grid->error()));
    QVERIFY2(m_grid->setPolicy(allowAll), qPrintable(m_grid->error()));

    // miniupnpd learns its public address by STUN from the first broker (docs/lab.md, "upnp"), so it starts after it.
    for (const QString& router : upnpRouters)
        QVERIFY2(m_lab->startUpnpd(router, m_lab->address(brokers.first()), LabGrid::BrokerPort),
            qPrintable(m_lab->error()));

    const QStringList members = allMembers();
    QVERIFY2(m_grid->startMembers(members), qPrintable(m_grid->error()));
    const QString token = m_grid->invite(int(members.size()));
    QVERIFY2(!token.isEmpty(), qPrintable(m_grid->error()));
    QVERIFY2(m_grid->joinAll(members, token), qPrintable(m_grid->error()));
    for (const QString& node : members)
        QCOMPARE(str(m_grid->status(node), "state"), QStringLiteral("member"));
    qInfo("lab, 2 brokers, master and %d members up and joined in %lld ms", int(members.size()), timer.elapsed());

    m_matrixSource = m_grid->randomFile(QStringLiteral("matrix.bin"), matrixBytes);
    m_slowSource = m_grid->randomFile(QStringLiteral("slow.bin"), slowBytes);
    QVERIFY2(!m_matrixSource.isEmpty() && !m_slowSource.isEmpty(), qPrintable(m_grid->error()));
}

void TstNat::cleanup()
{
    if (m_grid && QTest::currentTestFailed())
        qInfo("%s", qPrintable(m_grid->logTails(15)));
}

void TstNat::cleanupTestCase()
{
    QList<qint64> pids;
    QString prefix;
    if (m_grid)
        pids = m_grid->startedPids();
    m_grid.reset();
    if (m_lab) {
        prefix = m_lab->prefix();
        for (const QString& router : upnpRouters)
            if (m_lab->upnpdPid(router) > 0)
                pids << m_lab->upnpdPid(router);
    }
    m_lab.reset();
    if (prefix.isEmpty())
        return;
    // Nothing outlives the test: no namespace, no process (miniupnpd included, and with it its mappings).
    QVERIFY2(LabNetwork::namespacesWithPrefix(prefix).isEmpty(),
        qPrintable(LabNetwork::namespacesWithPrefix(prefix).join(QLatin1Char(' '))));
    for (const qint64 pid : std::as_const(pids))
        QVERIFY2(LabGrid::waitFor([&] { return processGone(pid); }, 5000),
            qPrintable(QStringLiteral("pid %1 lives").arg(pid)));
}

// Every pair of kinds carries TCP both ways across the overlay and ends on the path and technique of expectedCells.
void TstNat::matrix()
{
    // What each member learnt of its own network: the NAT's mapping behaviour, judged from each broker's two
    // STUN ports (so one broker is enough) and from the two brokers.
    const QHash<QString, QString> expectedNat { { QStringLiteral("public"), QStringLiteral("none") },
        { QStringLiteral("firewall"), QStringLiteral("none") },
        { QStringLiteral("cone"), QStringLiteral("endpoint-independent") },
        { QStringLiteral("symmetric"), QStringLiteral("symmetric") },
        { QStringLiteral("upnp"), QStringLiteral("endpoint-independent") },
        { QStringLiteral("noudp"), QStringLiteral("unknown") } };
    for (const Kind& kind : kinds) {
        for (const QString& member : kind.members) {
            QJsonObject status;
            LabGrid::waitFor(
                [&] {
                    status = m_grid->status(member);
                    bool seen = true;
                    for (const QJsonValue& broker : status.value(QLatin1String("brokers")).toArray())
                        seen &= kind.name == QLatin1String("noudp")
                            || broker.toObject().contains(QLatin1String("observed_udp_alt"));
                    return seen
                        && str(status.value(QLatin1String("tunnel")).toObject(), "nat") == expectedNat.value(kind.name);
                },
                10000, 200);
            QCOMPARE(str(status.value(QLatin1String("tunnel")).toObject(), "nat"), expectedNat.value(kind.name));
            for (const QJsonValue& value : status.value(QLatin1String("brokers")).toArray()) {
                const QJsonObject broker = value.toObject();
                // One broker alone tells a symmetric NAT: its two ports see two mappings of the one socket.
                if (kind.name == QLatin1String("symmetric"))
                    QVERIFY(str(broker, "observed_udp") != str(broker, "observed_udp_alt"));
                else if (kind.name != QLatin1String("noudp"))
                    QCOMPARE(str(broker, "observed_udp_alt"), str(broker, "observed_udp"));
            }
        }
    }
    QVERIFY(m_grid);
    QList<Pair> pairs = matrixPairs();
    QCOMPARE(pairs.size(), 21);
    QElapsedTimer timer;
    timer.start();
    PairTransfers(*m_grid).run(pairs, m_matrixSource);
    qInfo("%d transfers of %lld KiB in %lld ms", int(pairs.size() * 2), matrixBytes / 1024, timer.elapsed());

    // Direct paths may still be forming (punching, probing); give them a bounded time.
    timer.restart();
    QHash<QString, QHash<QString, QJsonObject>> peers;
    LabGrid::waitFor(
        [&] {
            peers = NatPeers::observe(*m_grid);
            return std::all_of(pairs.cbegin(), pairs.cend(),
                [&](const Pair& pair) { return !pair.expectDirect || NatPeers::bothOn(peers, pair, direct); });
        },
        settleMs, 500);
    qInfo("paths settled (or gave up) %lld ms after the transfers", timer.elapsed());

    const QString text = NatPeers::text(pairs, peers);
    qInfo("NAT matrix:\n%s", qPrintable(text));
    const QString file = QCoreApplication::applicationDirPath() + QStringLiteral("/nat-matrix.txt");
    if (writeFile(file, text.toUtf8()))
        qInfo("NAT matrix written to %s", qPrintable(file));
    else
        qWarning("cannot write %s", qPrintable(file));

    QStringList failed;
    for (const Pair& pair : std::as_const(pairs))
        for (const TransferResult* result : { &pair.there, &pair.back })
            if (!result->ok())
                failed << result->error;
    QVERIFY2(failed.isEmpty(), qPrintable(failed.join(QLatin1Char('\n'))));

    QStringList wrong;
    for (const Pair& pair : std::as_const(pairs)) {
        if (NatPeers::cell(peers, pair.left, pair.right) != pair.expected
            || NatPeers::cell(peers, pair.right, pair.left) != pair.expected)
            wrong << QStringLiteral("%1 (%2) sees %3 (%4) as %5, and back %6; must be %7")
                         .arg(pair.left, kinds[pair.row].name, pair.right, kinds[pair.column].name,
                             NatPeers::cell(peers, pair.left, pair.right), NatPeers::cell(peers, pair.right, pair.left),
                             pair.expected);
    }
    QVERIFY2(wrong.isEmpty(),
        qPrintable(QStringLiteral("not on the expected path and technique after %1 s:\n").arg(settleMs / 1000)
            + wrong.join(QLatin1Char('\n'))));
}

// One of the two brokers dies: established tunnels, direct and relayed through the other broker, keep carrying
// data; a member whose pvcd restarts authenticates through the remaining broker and reaches its peers; and when the
// broker comes back, every member connects to it again.
void TstNat::brokerKilled()
{
    QVERIFY(m_grid);
    const QList<Pair> pairs = matrixPairs();
    const QHash<QString, QHash<QString, QJsonObject>> peers = NatPeers::observe(*m_grid);
    const auto via
        = [&](const QString& node, const QString& other) { return str(peers.value(node).value(other), "via"); };
    // A relayed pair, and the broker that relays it: that one stays up.
    const Pair* relayedPair = nullptr;
    QString relayBroker;
    for (const Pair& pair : pairs) {
        const QString endpoint = str(peers.value(pair.left).value(pair.right), "endpoint");
        if (relayedPair || !NatPeers::bothOn(peers, pair, relay)
            || endpoint != str(peers.value(pair.right).value(pair.left), "endpoint"))
            continue;
        for (const QString& node : brokers) {
            if (endpoint == m_grid->brokerAddress(node)) {
                relayedPair = &pair;
                relayBroker = node;
            }
        }
    }
    // A direct pair, preferably one whose peer session runs through the broker that dies.
    QString victim = relayedPair ? (relayBroker == brokers.first() ? brokers.last() : brokers.first()) : QString();
    const Pair* directPair = nullptr;
    for (const Pair& pair : pairs) {
        if (!NatPeers::bothOn(peers, pair, direct))
            continue;
        if (!directPair)
            directPair = &pair;
        if (victim.isEmpty() ? !via(pair.left, pair.right).isEmpty()
                             : via(pair.left, pair.right) == m_grid->brokerAddress(victim)) {
            directPair = &pair;
            break;
        }
    }
    QVERIFY2(directPair, "no pair is on a direct path");
    // The matrix has two relayed pairs (symmetric-symmetric, symmetric-noudp): a run without one would skip the
    // relay's failover below, so it fails instead.
    QVERIFY2(relayedPair, "no pair is relayed through one broker: the relay failover cannot be tested");
    if (victim.isEmpty())
        victim = via(directPair->left, directPair->right) == m_grid->brokerAddress(brokers.first()) ? brokers.first()
                                                                                                    : brokers.last();
    const QString survivor = victim == brokers.first() ? brokers.last() : brokers.first();
    int sessionsThrough = 0;
    for (const auto& seen : peers)
        for (const QJsonObject& peer : seen)
            sessionsThrough += int(str(peer, "via") == m_grid->brokerAddress(victim));
    qInfo("killing %s, which carries %d peer sessions (counted at both ends); direct pair %s - %s (session via %s)%s",
        qPrintable(victim), sessionsThrough, qPrintable(directPair->left), qPrintable(directPair->right),
        qPrintable(via(directPair->left, directPair->right)),
        relayedPair ? qPrintable(
            QStringLiteral(", relayed pair %1 - %2 through %3").arg(relayedPair->left, relayedPair->right, relayBroker))
                    : ", no pair relayed through one broker");
    m_grid->killBroker(victim);
    QVERIFY(!m_grid->brokerRunning(victim));
    QElapsedTimer timer;
    timer.start();

    TransferResult result = m_grid->transfer(directPair->left, directPair->right, m_matrixSource);
    QVERIFY2(result.ok(), qPrintable(result.error));
    QVERIFY2(m_grid->waitForPath(directPair->left, directPair->right, direct, 5000)
            && m_grid->waitForPath(directPair->right, directPair->left, direct, 5000),
        "the direct pair left its direct path when a broker died");
    if (relayedPair) {
        result = m_grid->transfer(relayedPair->right, relayedPair->left, m_matrixSource);
        QVERIFY2(result.ok(), qPrintable(result.error));
    }
    qInfo("established tunnels carried data %lld ms after the broker died", timer.elapsed());

    // A member that starts again must authenticate through the remaining broker alone.
    QStringList used { directPair->left, directPair->right };
    if (relayedPair)
        used << relayedPair->left << relayedPair->right;
    QString restarted;
    QString partner;
    for (const QString& node : allMembers()) {
        if (used.contains(node) || node.startsWith(QLatin1String("hnoudp")) || node.startsWith(QLatin1String("hsym")))
            continue;
        if (restarted.isEmpty())
            restarted = node;
        else if (partner.isEmpty())
            partner = node;
    }
    QVERIFY(!restarted.isEmpty() && !partner.isEmpty());
    timer.restart();
    m_grid->killDaemon(restarted);
    QVERIFY2(m_grid->restartDaemon(restarted), qPrintable(m_grid->error()));
    QCOMPARE(str(m_grid->status(restarted), "state"), QStringLiteral("member"));
    QVERIFY2(m_grid->waitForAuthenticated(restarted, partner, 30000)
            && m_grid->waitForAuthenticated(partner, restarted, 10000),
        QJsonDocument(m_grid->peers(restarted)).toJson().constData());
    result = m_grid->transfer(restarted, partner, m_matrixSource);
    QVERIFY2(result.ok(), qPrintable(result.error));
    result = m_grid->transfer(partner, restarted, m_matrixSource);
    QVERIFY2(result.ok(), qPrintable(result.error));
    qInfo("%s restarted with %s dead and carried data to and from %s in %lld ms", qPrintable(restarted),
        qPrintable(victim), qPrintable(partner), timer.elapsed());
    const auto brokerConnected = [&](const QString& node, const QString& broker) {
        for (const QJsonValue& value : m_grid->status(node).value(QLatin1String("brokers")).toArray())
            if (str(value.toObject(), "address") == m_grid->brokerAddress(broker))
                return value.toObject().value(QLatin1String("connected")).toBool();
        return false;
    };
    QVERIFY(brokerConnected(restarted, survivor));
    QVERIFY(!brokerConnected(restarted, victim));

    // The broker returns; pvcd reconnects with a backoff of at most 15 s.
    timer.restart();
    QVERIFY2(m_grid->restartBroker(victim), qPrintable(m_grid->error()));
    QStringList away = allMembers();
    LabGrid::waitFor(
        [&] {
            away.removeIf([&](const QString& node) { return brokerConnected(node, victim); });
            return away.isEmpty();
        },
        25000, 500);
    QVERIFY2(away.isEmpty(),
        qPrintable(QStringLiteral("not connected to %1 again: ").arg(victim) + away.join(QLatin1Char(' '))));
    qInfo("every member was connected to %s again %lld ms after it restarted", qPrintable(victim), timer.elapsed());

    // Then the broker that relays a pair dies in the middle of a transfer over that relay: the pair moves to the
    // other broker and the transfer completes intact.
    if (!relayedPair)
        return;
    LabShaper shaper(*m_lab, relayedPair->left, slowRate);
    QVERIFY2(shaper.active(), qPrintable(shaper.error()));
    const std::unique_ptr<LabTransfer> transfer
        = m_grid->startTransfer(relayedPair->left, relayedPair->right, m_slowSource);
    QVERIFY2(transfer, qPrintable(m_grid->error()));
    QVERIFY2(waitForBytes(*transfer, 256 * 1024, 20000),
        qPrintable(QStringLiteral("only %1 bytes arrived over the relay").arg(transfer->received())));
    const qint64 before = transfer->received();
    m_grid->killBroker(relayBroker);
    timer.restart();
    const TransferResult relayed = transfer->wait(90000);
    QVERIFY2(relayed.ok(), qPrintable(relayed.error));
    const QString otherBroker = relayBroker == brokers.first() ? brokers.last() : brokers.first();
    const QJsonObject seen = m_grid->peer(relayedPair->left, relayedPair->right);
    qInfo("%s - %s: %s died %lld of %lld bytes into the transfer, which completed intact %lld ms later; now %s via %s",
        qPrintable(relayedPair->left), qPrintable(relayedPair->right), qPrintable(relayBroker), before,
        transfer->size(), timer.elapsed(),
        qPrintable(NatPeers::cell(NatPeers::observe(*m_grid), relayedPair->left, relayedPair->right)),
        qPrintable(str(seen, "endpoint")));
    QCOMPARE(str(seen, "endpoint"), m_grid->brokerAddress(otherBroker));
    QVERIFY2(m_grid->restartBroker(relayBroker), qPrintable(m_grid->error()));
}

// Two members behind cone NATs start with no direct path between them, so their tunnel is relayed; once the block
// is lifted the tunnel moves to a direct path under a running transfer, which arrives intact.
void TstNat::pathUpgrades()
{
    QVERIFY(m_grid);
    const QString a = QStringLiteral("hcone1");
    const QString b = QStringLiteral("hcone2");
    m_grid->killDaemon(a);
    m_grid->killDaemon(b);
    LabCut cut(*m_lab, m_lab->publicAddress(a), m_lab->publicAddress(b));
    QVERIFY2(cut.active(), qPrintable(cut.error()));
    QVERIFY2(m_grid->restartDaemon(a), qPrintable(m_grid->error()));
    QVERIFY2(m_grid->restartDaemon(b), qPrintable(m_grid->error()));
    QVERIFY2(waitForBoth(a, b, relay, 30000) >= 0,
        qPrintable(QStringLiteral("not both on the relay: %1 sees %2, %3 sees %4")
                       .arg(a, NatPeers::cell(NatPeers::observe(*m_grid), a, b), b,
                           NatPeers::cell(NatPeers::observe(*m_grid), b, a))));

    LabShaper shaper(*m_lab, a, slowRate);
    QVERIFY2(shaper.active(), qPrintable(shaper.error()));
    const std::unique_ptr<LabTransfer> transfer = m_grid->startTransfer(a, b, m_slowSource);
    QVERIFY2(transfer, qPrintable(m_grid->error()));
    QVERIFY2(waitForBytes(*transfer, 256 * 1024, 20000),
        qPrintable(QStringLiteral("only %1 bytes arrived over the relay").arg(transfer->received())));
    QCOMPARE(str(m_grid->peer(a, b), "path"), relay);
    QCOMPARE(str(m_grid->peer(b, a), "path"), relay);

    QVERIFY2(cut.lift(), qPrintable(cut.error()));
    const qint64 liftedAt = transfer->elapsedMs();
    const qint64 upgraded = waitForBoth(a, b, direct, int(upgradeBoundMs) + 5000);
    const qint64 receivedThen = transfer->received();
    const QJsonObject seen = m_grid->peer(a, b);
    qInfo("%s - %s: direct %lld ms after the block was lifted (%.1f s into the transfer, %lld of %lld bytes there); "
          "technique %s, endpoint %s",
        qPrintable(a), qPrintable(b), upgraded, double(liftedAt) / 1000.0, receivedThen, transfer->size(),
        qPrintable(str(seen, "technique")), qPrintable(str(seen, "endpoint")));
    QVERIFY2(upgraded >= 0,
        qPrintable(QStringLiteral("still %1 and %2")
                       .arg(NatPeers::cell(NatPeers::observe(*m_grid), a, b),
                           NatPeers::cell(NatPeers::observe(*m_grid), b, a))));
    QVERIFY2(upgraded <= upgradeBoundMs, qPrintable(QStringLiteral("direct only after %1 ms").arg(upgraded)));
    QVERIFY2(receivedThen < transfer->size(), "the transfer ended before the path changed; it proves nothing");
    const TransferResult result = transfer->wait(60000);
    QVERIFY2(result.ok(), qPrintable(result.error));
    qInfo("%lld bytes arrived intact in %.1f s", result.bytes, result.seconds);
}

// A direct pair loses its direct path in the middle of a transfer: the tunnel falls back to a broker's relay within
// seconds and the transfer completes intact.
void TstNat::pathFallsBack()
{
    QVERIFY(m_grid);
    const QString a = QStringLiteral("pub1");
    const QString b = QStringLiteral("pub2");
    QVERIFY2(waitForBoth(a, b, direct, 20000) >= 0,
        qPrintable(QStringLiteral("not direct: %1 and %2")
                       .arg(NatPeers::cell(NatPeers::observe(*m_grid), a, b),
                           NatPeers::cell(NatPeers::observe(*m_grid), b, a))));

    LabShaper shaper(*m_lab, a, slowRate);
    QVERIFY2(shaper.active(), qPrintable(shaper.error()));
    const std::unique_ptr<LabTransfer> transfer = m_grid->startTransfer(a, b, m_slowSource);
    QVERIFY2(transfer, qPrintable(m_grid->error()));
    QVERIFY2(waitForBytes(*transfer, 512 * 1024, 20000),
        qPrintable(QStringLiteral("only %1 bytes arrived on the direct path").arg(transfer->received())));
    QCOMPARE(str(m_grid->peer(a, b), "path"), direct);

    const qint64 before = transfer->received();
    LabCut cut(*m_lab, m_lab->publicAddress(a), m_lab->publicAddress(b));
    QVERIFY2(cut.active(), qPrintable(cut.error()));
    QElapsedTimer timer;
    timer.start();
    // Bytes in flight when the path was cut are far fewer than this; more can only have come another way.
    constexpr qint64 resumed = 128 * 1024;
    qint64 onRelay = -1;
    qint64 flowing = -1;
    QJsonObject seen;
    while (timer.elapsed() < fallbackFlowBoundMs + 5000 && (onRelay < 0 || flowing < 0)) {
        if (onRelay < 0) {
            seen = m_grid->peer(a, b);
            if (str(seen, "path") == relay && str(m_grid->peer(b, a), "path") == relay)
                onRelay = timer.elapsed();
        }
        if (flowing < 0 && transfer->received() >= before + resumed)
            flowing = timer.elapsed();
        QThread::msleep(50);
    }
    qInfo("%s - %s cut %.1f s into the transfer (%lld bytes there): both on the relay after %lld ms (endpoint %s), "
          "bytes flowing again after %lld ms",
        qPrintable(a), qPrintable(b), double(transfer->elapsedMs() - timer.elapsed()) / 1000.0, before, onRelay,
        qPrintable(str(seen, "endpoint")), flowing);
    QVERIFY2(onRelay >= 0 && onRelay <= fallbackPathBoundMs,
        qPrintable(QStringLiteral("not both on the relay within %1 ms: %2, %3")
                       .arg(fallbackPathBoundMs)
                       .arg(NatPeers::cell(NatPeers::observe(*m_grid), a, b),
                           NatPeers::cell(NatPeers::observe(*m_grid), b, a))));
    QVERIFY2(QStringList({ m_grid->brokerAddress(brokers.first()), m_grid->brokerAddress(brokers.last()) })
                 .contains(str(seen, "endpoint")),
        qPrintable(QStringLiteral("relayed through %1, not a broker").arg(str(seen, "endpoint"))));
    QVERIFY2(flowing >= 0 && flowing <= fallbackFlowBoundMs,
        qPrintable(QStringLiteral("bytes did not flow again within %1 ms (%2 more arrived)")
                       .arg(fallbackFlowBoundMs)
                       .arg(transfer->received() - before)));
    const TransferResult result = transfer->wait(90000);
    QVERIFY2(result.ok(), qPrintable(result.error));
    qInfo("%lld bytes arrived intact in %.1f s", result.bytes, result.seconds);

    cut.lift();
    qInfo("back on the direct path %lld ms after the cut was lifted", waitForBoth(a, b, direct, 15000));
}

qint64 TstNat::waitForBoth(const QString& a, const QString& b, const QString& path, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    const bool reached = LabGrid::waitFor(
        [&] { return str(m_grid->peer(a, b), "path") == path && str(m_grid->peer(b, a), "path") == path; }, timeoutMs,
        100);
    return reached ? timer.elapsed() : -1;
}

bool TstNat::waitForBytes(const LabTransfer& transfer, qint64 bytes, int timeoutMs)
{
    return LabGrid::waitFor([&] { return transfer.received() >= bytes; }, timeoutMs, 50);
}

QTEST_GUILESS_MAIN(TstNat)
