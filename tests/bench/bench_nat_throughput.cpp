// Relayed against direct throughput for the NAT traversal benchmark (bench_nat.cpp; docs/benchmarks.md): iperf3
// over the underlay, the direct path, the UDP relay, a direct TCP path and the TCP relay, in rounds.
#include "bench_nat.h"

PathFigures BenchNat::measurePath(
    const QString& label, const QString& client, const QString& server, const QString& target)
{
    PathFigures figures;
    figures.label = label;
    const QJsonObject seen = peerOf(client, server);
    figures.path = label == QLatin1String("underlay") ? QStringLiteral("-")
                                                      : str(seen, "path")
            + (seen.contains(QLatin1String("relay")) ? QLatin1Char('/') + str(seen, "relay") : QString());
    figures.tunnelRttMs = seen.value(QLatin1String("tunnel_rtt_ms")).toDouble(-1);
    // In turn with the reference, which the cuts leave reachable, so that both see the same load.
    const QString echo = target + QLatin1Char(':') + QString::number(echoPort);
    const QString reference = m_lab->address(referenceNode) + QLatin1Char(':') + QString::number(echoPort);
    const ConnectFigures connect = connectFigures(client, { echo, reference });
    figures.connectUs = connect.value(echo).medianUs;
    figures.referenceConnectUs = connect.value(reference).medianUs;

    QList<qint64> pids;
    for (const QString& node : { client, server })
        if (m_daemons.count(node))
            pids << m_daemons.at(node)->processId();
    for (const QString& broker : brokers) {
        QProcess list;
        list.start(
            QStringLiteral("ip"), { QStringLiteral("netns"), QStringLiteral("pids"), m_lab->namespaceName(broker) });
        list.waitForFinished(5000);
        for (const QByteArray& pid : list.readAllStandardOutput().split('\n')) {
            QFile comm(QStringLiteral("/proc/%1/comm").arg(QString::fromLatin1(pid.trimmed())));
            if (!pid.trimmed().isEmpty() && comm.open(QIODevice::ReadOnly) && comm.readAll().trimmed() == "pvc-broker")
                figures.brokerPids << pid.trimmed().toLongLong();
        }
    }
    const int seconds = envInt("BENCH_SECONDS", 8);
    qint64 daemonTicks = 0;
    qint64 brokerTicks = 0;
    for (const qint64 pid : std::as_const(pids))
        daemonTicks -= cpuTicks(pid);
    for (const qint64 pid : std::as_const(figures.brokerPids))
        brokerTicks -= cpuTicks(pid);
    const qint64 startNs = monoNs();
    const RunResult run = m_lab->exec(client,
        { QStringLiteral("iperf3"), QStringLiteral("-c"), target, QStringLiteral("-p"), QString::number(iperfPort),
            QStringLiteral("-t"), QString::number(seconds), QStringLiteral("-O"), QStringLiteral("1"),
            QStringLiteral("--connect-timeout"), QStringLiteral("5000"), QStringLiteral("-J") },
        (seconds + 30) * 1000);
    const double elapsed = double(monoNs() - startNs) / 1e9;
    for (const qint64 pid : std::as_const(pids))
        daemonTicks += cpuTicks(pid);
    for (const qint64 pid : std::as_const(figures.brokerPids))
        brokerTicks += cpuTicks(pid);
    const double hz = double(sysconf(_SC_CLK_TCK));
    figures.daemonCpu = pids.isEmpty() ? -1 : 100.0 * double(daemonTicks) / hz / elapsed;
    figures.brokerCpu = 100.0 * double(brokerTicks) / hz / elapsed;
    const QJsonObject end = QJsonDocument::fromJson(run.out.toUtf8()).object().value(QLatin1String("end")).toObject();
    figures.mbits
        = end.value(QLatin1String("sum_received")).toObject().value(QLatin1String("bits_per_second")).toDouble(-1e6)
        / 1e6;
    figures.retransmits = end.value(QLatin1String("sum_sent")).toObject().value(QLatin1String("retransmits")).toInt(-1);
    if (run.exitCode != 0)
        figures.error = run.out.right(300) + run.err.right(300);
    return figures;
}

// Underlay, direct (UDP), UDP relay, direct TCP and TCP relay between the same two members, in rounds.
void BenchNat::throughput()
{
    if (QStandardPaths::findExecutable(QStringLiteral("iperf3")).isEmpty())
        QSKIP("iperf3 is not installed (tests/bench/bench_dataplane.sh installs it)");
    const QString client = QStringLiteral("hcone1");
    const QString server = QStringLiteral("pub1");
    const QString overlay = m_virtualIps.value(server);
    stopAllDaemons();
    auto iperf = launch(server,
        { QStringLiteral("iperf3"), QStringLiteral("-s"), QStringLiteral("-p"), QString::number(iperfPort) }, false,
        m_grid->dir() + QStringLiteral("/iperf3-server.log"));
    QVERIFY2(iperf && m_lab->waitForListening(server, iperfPort), "the iperf3 server did not start");
    QVERIFY(startDaemon(server, QStringLiteral("pvcd-throughput-%1.log").arg(server)));
    QVERIFY(startDaemon(client, QStringLiteral("pvcd-throughput-%1.log").arg(client)));
    QVERIFY(waitForSettled(server, 15000) && waitForSettled(client, 15000));
    const auto both = [&](const std::function<bool(const QJsonObject&)>& condition, int timeoutMs) {
        return waitForPeer(client, server, condition, timeoutMs) && waitForPeer(server, client, condition, timeoutMs);
    };
    const auto direct = [](const QJsonObject& p) { return str(p, "path") == QLatin1String("direct"); };
    const auto directTcp = [](const QJsonObject& p) {
        return str(p, "path") == QLatin1String("direct") && str(p, "technique").startsWith(QLatin1String("tcp"));
    };
    const auto relayed = [](const QString& kind) {
        return [kind](const QJsonObject& p) {
            return str(p, "path") == QLatin1String("relay") && str(p, "relay") == kind;
        };
    };
    const auto restartClient = [&] {
        stopDaemon(client);
        waitForPeer(
            server, client, [](const QJsonObject& p) { return str(p, "status") == QLatin1String("offline"); }, 10000);
        return startDaemon(client, QStringLiteral("pvcd-throughput-%1.log").arg(client))
            && waitForSettled(client, 15000);
    };
    const int rounds = envInt("BENCH_ROUNDS", 3);
    qInfo("throughput: iperf3 %s -> %s, %d rounds of %d s; load average %s", qPrintable(client), qPrintable(server),
        rounds, envInt("BENCH_SECONDS", 8), qPrintable(loadAverage()));
    for (int round = 1; round <= rounds; ++round) {
        QList<PathFigures> figures;
        figures << measurePath(QStringLiteral("underlay"), client, server, m_lab->address(server));
        QVERIFY2(both(direct, directBoundMs), "not direct");
        figures << measurePath(QStringLiteral("direct"), client, server, overlay);
        {
            LabCut cut(*m_lab, m_lab->publicAddress(client), m_lab->publicAddress(server));
            QVERIFY2(cut.active(), qPrintable(cut.error()));
            QVERIFY2(both(relayed(QStringLiteral("udp")), 20000), "not on the UDP relay");
            figures << measurePath(QStringLiteral("udp-relay"), client, server, overlay);
        }
        {
            UdpBlock block(*m_lab, client);
            QVERIFY2(block.active(), "cannot drop the client's UDP");
            QVERIFY2(restartClient(), "pvcd did not start again");
            QVERIFY2(both(directTcp, directBoundMs), "no direct TCP path");
            figures << measurePath(QStringLiteral("direct-tcp"), client, server, overlay);
            // The cut too, so that no direct TCP path can stand in for the relay.
            LabCut cut(*m_lab, m_lab->publicAddress(client), m_lab->publicAddress(server));
            QVERIFY2(cut.active(), qPrintable(cut.error()));
            QVERIFY2(restartClient(), "pvcd did not start again");
            QVERIFY2(both(relayed(QStringLiteral("tcp")), 20000), "not on the TCP relay");
            figures << measurePath(QStringLiteral("tcp-relay"), client, server, overlay);
        }
        QVERIFY2(restartClient(), "pvcd did not start again");
        for (const PathFigures& f : std::as_const(figures))
            qInfo("%s", qPrintable(pathLine(round, f)));
        m_rounds << figures;
    }
    stopAllDaemons();
    iperf->kill();
    iperf->waitForFinished(3000);
}
