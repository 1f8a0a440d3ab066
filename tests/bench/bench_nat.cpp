// Connection set-up per NAT traversal technique, and relayed against direct throughput (docs/benchmarks.md,
// "NAT traversal benchmark"), on tests/lab/topologies/nat-pairs.topo with real brokers, master, helpers and pvcds.
//
// - ttfb: for one pair per technique, ten times, one member of the pair (the "newcomer") gets a new pvcd. From the
//   moment it is started, the benchmark measures (a) the first byte of a TCP request/response to the other member's
//   virtual IP, and (b) when `pvc peers` shows the path as direct on both sides. Then (c) it times fresh TCP
//   connections with one byte each way over the tunnel that is up, in turn with the same over the underlay (where
//   it connects at all) and to a reference host.
// - throughput: iperf3 from a cone member to a public one, over the underlay, the direct path, the UDP relay (the
//   two addresses cut from each other), a direct TCP path (the cone member's UDP dropped) and the TCP relay (both),
//   in rounds.
//
// Only the two members of the pair being measured run, so nothing else shares their set-up. It asserts nothing
// about the figures: it fails only when the lab or the grid cannot be set up. Needs root; skipped otherwise.
#include "bench_nat.h"

void BenchNat::initTestCase()
{
    if (!LabNetwork::isRoot())
        QSKIP("the lab needs root (network namespaces, pvc-helper)");
    for (const char* tool : { "ip", "nft", "setpriv", "ss", "env" })
        QVERIFY2(!QStandardPaths::findExecutable(QString::fromLatin1(tool)).isEmpty(), tool);
    for (const char* binary :
        { "pvc-admin", "pvc-broker", "pvc-helper", "pvcd", "pvc", "pvc-bench-tcprr", "pvc-bench-firstbyte" })
        QVERIFY2(QFileInfo(LabGrid::binary(QString::fromLatin1(binary))).isExecutable(),
            qPrintable(LabGrid::binary(QString::fromLatin1(binary)) + QStringLiteral(" is not built")));
    m_runs = envInt("BENCH_RUNS", 10);
    m_machine = machineDescription();
    qInfo("%s", qPrintable(m_machine));
    LabNetwork::sweepStale();

    QElapsedTimer timer;
    timer.start();
    m_lab = std::make_unique<LabNetwork>(LabNetwork::topology(QStringLiteral("nat-pairs")));
    QVERIFY2(m_lab->isUp(), qPrintable(m_lab->error()));
    m_grid = std::make_unique<LabGrid>(*m_lab, brokers);
    QVERIFY2(m_grid->start(), qPrintable(m_grid->error()));
    QVERIFY2(m_grid->setPolicy(allowAll), qPrintable(m_grid->error()));
    QVERIFY2(m_lab->startUpnpd(QStringLiteral("rupnp1"), m_lab->address(brokers.first()), LabGrid::BrokerPort),
        qPrintable(m_lab->error()));

    QStringList members;
    for (const Technique& technique : techniques)
        for (const QString& node : { technique.stable, technique.newcomer })
            if (!members.contains(node))
                members << node;
    QVERIFY2(m_grid->startMembers(members), qPrintable(m_grid->error()));
    const QString token = m_grid->invite(int(members.size()));
    QVERIFY2(!token.isEmpty(), qPrintable(m_grid->error()));
    QVERIFY2(m_grid->joinAll(members, token), qPrintable(m_grid->error()));
    for (const QString& node : std::as_const(members)) {
        m_virtualIps.insert(node, m_grid->virtualIp(node));
        QVERIFY2(!m_virtualIps.value(node).isEmpty(), qPrintable(node));
        // From here on this benchmark runs each pvcd itself; the helpers stay.
        m_grid->killDaemon(node);
    }
    for (const QString& node : members + QStringList { referenceNode }) {
        auto server = launch(node,
            { LabGrid::binary(QStringLiteral("pvc-bench-tcprr")), QStringLiteral("serve"), QString::number(echoPort) },
            true, m_grid->dir() + QStringLiteral("/echo-%1.log").arg(node));
        QVERIFY2(server && m_lab->waitForListening(node, echoPort), qPrintable(node));
        m_servers.push_back(std::move(server));
    }
    qInfo("lab, 2 brokers, master and %d members up and joined in %lld ms; pvcd stopped everywhere",
        int(members.size()), timer.elapsed());
}

void BenchNat::cleanupTestCase()
{
    const QString report = reportText(m_machine, techniques, m_samples, m_rounds);
    if (!m_samples.isEmpty() || !m_rounds.isEmpty()) {
        qInfo("\n%s", qPrintable(report));
        const QString file = QCoreApplication::applicationDirPath() + QStringLiteral("/bench-nat.md");
        QFile out(file);
        if (out.open(QIODevice::WriteOnly | QIODevice::Truncate) && out.write(report.toUtf8()) > 0)
            qInfo("written to %s", qPrintable(file));
    }
    stopAllDaemons();
    for (const auto& server : m_servers) {
        server->kill();
        server->waitForFinished(3000);
    }
    m_servers.clear();
    m_grid.reset();
    m_lab.reset();
}

std::unique_ptr<QProcess> BenchNat::launch(
    const QString& node, const QStringList& argv, bool asNobody, const QString& logFile) const
{
    QStringList arguments { QStringLiteral("netns"), QStringLiteral("exec"), m_lab->namespaceName(node) };
    if (asNobody)
        arguments << QStringLiteral("setpriv") << QStringLiteral("--reuid=nobody") << QStringLiteral("--regid=nogroup")
                  << QStringLiteral("--clear-groups") << QStringLiteral("--");
    auto process = std::make_unique<QProcess>();
    process->setProgram(QStringLiteral("ip"));
    process->setArguments(arguments + argv);
    if (!logFile.isEmpty()) {
        process->setProcessChannelMode(QProcess::MergedChannels);
        process->setStandardOutputFile(logFile, QIODevice::Append);
    }
    process->start();
    if (!process->waitForStarted(5000))
        return nullptr;
    return process;
}

bool BenchNat::startDaemon(const QString& node, const QString& logName)
{
    auto daemon = launch(node,
        { QStringLiteral("env"), QStringLiteral("XDG_RUNTIME_DIR=") + m_grid->runtimeDir(node),
            LabGrid::binary(QStringLiteral("pvcd")), QStringLiteral("--project"), m_grid->projectFile(),
            QStringLiteral("--state"), m_grid->stateDir(node), QStringLiteral("--control"), m_grid->controlPath(node),
            QStringLiteral("--helper"), m_grid->helperSocket(node) },
        true, m_grid->dir() + QLatin1Char('/') + logName);
    if (!daemon)
        return false;
    m_daemons[node] = std::move(daemon);
    return true;
}

void BenchNat::stopDaemon(const QString& node)
{
    const auto it = m_daemons.find(node);
    if (it == m_daemons.end())
        return;
    QProcess* daemon = it->second.get();
    if (daemon->state() != QProcess::NotRunning) {
        ::kill(pid_t(daemon->processId()), SIGTERM);
        if (!daemon->waitForFinished(3000)) {
            qWarning("pvcd in %s ignored SIGTERM for 3 s", qPrintable(node));
            daemon->kill();
            daemon->waitForFinished(3000);
        }
    }
    m_daemons.erase(it);
}

void BenchNat::stopAllDaemons()
{
    while (!m_daemons.empty())
        stopDaemon(m_daemons.begin()->first);
}

QJsonObject BenchNat::control(const QString& node, const QString& command) const
{
    if (!QFileInfo::exists(m_grid->controlPath(node)))
        return {};
    const pvc::ipc::ControlReply reply = pvc::ipc::controlRequest(m_grid->controlPath(node), command, {}, 2000);
    return reply.ok ? reply.result : QJsonObject();
}

QString BenchNat::kindOf(const QString& node) const
{
    const QString router = m_lab->routerOf(node);
    return router.isEmpty() ? QStringLiteral("public") : m_lab->kind(router);
}

QJsonObject BenchNat::peerOf(const QString& node, const QString& name) const
{
    for (const QJsonValue& value : control(node, QStringLiteral("peers")).value(QLatin1String("peers")).toArray())
        if (str(value.toObject(), "name") == name)
            return value.toObject();
    return {};
}

bool BenchNat::waitForPeer(const QString& node, const QString& name,
    const std::function<bool(const QJsonObject&)>& condition, int timeoutMs) const
{
    return LabGrid::waitFor([&] { return condition(peerOf(node, name)); }, timeoutMs, 50);
}

bool BenchNat::waitForSettled(const QString& node, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    return LabGrid::waitFor(
        [&] {
            const QJsonObject status = control(node, QStringLiteral("status"));
            if (str(status, "state") != QLatin1String("member"))
                return false;
            for (const QJsonValue& broker : status.value(QLatin1String("brokers")).toArray())
                if (!broker.toObject().value(QLatin1String("connected")).toBool())
                    return false;
            const QJsonObject tunnel = status.value(QLatin1String("tunnel")).toObject();
            return str(status.value(QLatin1String("upnp")).toObject(), "state") != QLatin1String("discovering")
                && (tunnel.value(QLatin1String("udp_works")).toBool() || timer.elapsed() > 3000);
        },
        timeoutMs, 50);
}

ConnectFigures BenchNat::connectFigures(const QString& from, const QStringList& targets)
{
    QStringList argv { LabGrid::binary(QStringLiteral("pvc-bench-firstbyte")), QStringLiteral("connect"),
        QString::number(connectRounds) };
    argv += targets;
    // Each connection gives up after 1 s.
    const RunResult result = m_lab->exec(from, argv, connectRounds * int(targets.size()) * 1500 + 5000, nobody);
    ConnectFigures figures;
    static const QRegularExpression line(
        QStringLiteral(R"(connect target=(\S+) ok=\d+ failed=(\d+)(?: median_us=(\d+))?)"));
    for (auto it = line.globalMatch(result.out); it.hasNext();) {
        const QRegularExpressionMatch match = it.next();
        ConnectFigure figure;
        figure.failed = match.captured(2).toInt();
        if (match.hasCaptured(3))
            figure.medianUs = match.captured(3).toDouble();
        figures.insert(match.captured(1), figure);
    }
    return figures;
}

void BenchNat::ttfb_data()
{
    QTest::addColumn<int>("index");
    for (int i = 0; i < techniques.size(); ++i)
        QTest::newRow(qPrintable(techniques[i].name)) << i;
}

// Ten times: a newcomer's pvcd starts, and the first byte, the direct path and a fresh connection are timed.
void BenchNat::ttfb()
{
    QFETCH(int, index);
    const Technique& technique = techniques[index];
    stopAllDaemons();
    QVERIFY2(startDaemon(technique.stable, QStringLiteral("pvcd-%1-%2.log").arg(technique.name, technique.stable)),
        qPrintable(technique.stable));
    QVERIFY2(waitForSettled(technique.stable, 15000), qPrintable(technique.stable + QStringLiteral(" did not settle")));
    qInfo("%s: %s (%s) stays up, %s (%s) is the newcomer; %d runs; load average %s", qPrintable(technique.name),
        qPrintable(technique.stable), qPrintable(kindOf(technique.stable)), qPrintable(technique.newcomer),
        qPrintable(kindOf(technique.newcomer)), m_runs, qPrintable(loadAverage()));
    for (int run = 1; run <= m_runs; ++run) {
        const Sample sample = measureOnce(technique, run);
        qInfo("%s", qPrintable(sampleLine(technique, run, m_runs, sample)));
        m_samples[technique.name] << sample;
        QVERIFY2(waitForPeer(
                     technique.stable, technique.newcomer,
                     [](const QJsonObject& p) { return str(p, "status") == QLatin1String("offline"); }, 10000),
            qPrintable(technique.stable + QStringLiteral(" still sees ") + technique.newcomer));
        QThread::msleep(500);
    }
    stopAllDaemons();
}

Sample BenchNat::measureOnce(const Technique& technique, int run)
{
    const QString& stable = technique.stable;
    const QString& newcomer = technique.newcomer;
    const QString target = m_virtualIps.value(stable);
    const QString logName = QStringLiteral("pvcd-%1-%2-%3.log").arg(technique.name).arg(run).arg(newcomer);
    Sample sample;
    std::unique_ptr<QProcess> probe = launch(newcomer,
        { LabGrid::binary(QStringLiteral("pvc-bench-firstbyte")), QStringLiteral("first"), target,
            QString::number(echoPort), QString::number(firstByteTimeoutMs), QStringLiteral("10") },
        true);
    QByteArray probeOut;
    while (probe && !probeOut.contains("ready\n") && probe->waitForReadyRead(5000))
        probeOut += probe->readAllStandardOutput();
    if (!probeOut.contains("ready\n")) {
        sample.error = QStringLiteral("the first-byte probe did not start");
        return sample;
    }
    const qint64 startWallMs = QDateTime::currentMSecsSinceEpoch();
    const qint64 startNs = monoNs();
    if (!startDaemon(newcomer, logName)) {
        sample.error = QStringLiteral("pvcd did not start");
        return sample;
    }
    const auto sinceStart = [&] { return double(monoNs() - startNs) / 1e6; };
    const auto isDirect = [](const QJsonObject& peer) { return str(peer, "path") == QLatin1String("direct"); };
    QJsonObject stableView;
    QJsonObject newcomerView;
    for (;;) {
        if (sample.ttfbMs < 0 && probe->waitForReadyRead(0))
            probeOut += probe->readAllStandardOutput();
        if (sample.ttfbMs < 0 && probeOut.contains("first ")) {
            static const QRegularExpression first(QStringLiteral(R"(first mono_ns=(\d+))"));
            const QRegularExpressionMatch match = first.match(QString::fromLatin1(probeOut));
            if (!match.hasMatch()) {
                sample.error = QStringLiteral("no first byte within %1 s").arg(firstByteTimeoutMs / 1000);
                break;
            }
            sample.ttfbMs = double(match.captured(1).toLongLong() - startNs) / 1e6;
        }
        stableView = peerOf(stable, newcomer);
        newcomerView = peerOf(newcomer, stable);
        const double now = sinceStart();
        if (sample.directStableMs < 0 && isDirect(stableView))
            sample.directStableMs = now;
        if (sample.directNewcomerMs < 0 && isDirect(newcomerView))
            sample.directNewcomerMs = now;
        if (sample.ttfbMs >= 0) {
            const bool bothDirect = sample.directStableMs >= 0 && sample.directNewcomerMs >= 0;
            if (technique.expectDirect ? bothDirect || now > directBoundMs : now > sample.ttfbMs + relayWatchMs)
                break;
        } else if (now > firstByteTimeoutMs + 2000) {
            sample.error = QStringLiteral("no first byte within %1 s").arg(firstByteTimeoutMs / 1000);
            break;
        }
        QThread::msleep(pollMs);
    }
    if (sample.directStableMs >= 0 && sample.directNewcomerMs >= 0)
        sample.directMs = qMax(sample.directStableMs, sample.directNewcomerMs);
    sample.path = str(stableView, "path");
    sample.technique = str(stableView, "technique");
    sample.newcomerTechnique = str(newcomerView, "technique");
    sample.relay = str(stableView, "relay");
    sample.tunnelRttMs = stableView.value(QLatin1String("tunnel_rtt_ms")).toDouble(-1);

    // (c) Over the tunnel as it now is, over the underlay where it connects, and to the reference, in turn.
    const QString overTunnel = target + QLatin1Char(':') + QString::number(echoPort);
    const QString overUnderlay = m_lab->address(stable) + QLatin1Char(':') + QString::number(echoPort);
    const QString reference = m_lab->address(referenceNode) + QLatin1Char(':') + QString::number(echoPort);
    QStringList targets { overTunnel, reference };
    if (technique.underlay)
        targets.insert(1, overUnderlay);
    const QJsonObject before = peerOf(stable, newcomer);
    const ConnectFigures connect = connectFigures(newcomer, targets);
    sample.tunnelConnectUs = connect.value(overTunnel).medianUs;
    sample.tunnelConnectFailed = connect.value(overTunnel, ConnectFigure { -1, connectRounds }).failed;
    sample.underlayConnectUs = connect.value(overUnderlay).medianUs;
    sample.referenceConnectUs = connect.value(reference).medianUs;
    if (sample.tunnelConnectFailed > 0) {
        const auto compact = [](const QJsonObject& o) { return QJsonDocument(o).toJson(QJsonDocument::Compact); };
        qWarning("%s: %d of %d connections over the tunnel failed; %s saw %s before them: %s, and after: %s; %s sees "
                 "%s: %s",
            qPrintable(technique.name), sample.tunnelConnectFailed, connectRounds, qPrintable(stable),
            qPrintable(newcomer), compact(before).constData(), compact(peerOf(stable, newcomer)).constData(),
            qPrintable(newcomer), qPrintable(stable), compact(peerOf(newcomer, stable)).constData());
        // What the routers map and which sockets are open, for whoever looks into it (PVC_KEEP_TEST_DIRS=1 keeps it).
        QString text;
        for (const QString& node : { stable, newcomer }) {
            if (!m_lab->routerOf(node).isEmpty())
                text += QStringLiteral("--- conntrack -L -p udp in %1\n").arg(m_lab->routerOf(node))
                    + m_lab
                          ->exec(m_lab->routerOf(node),
                              { QStringLiteral("conntrack"), QStringLiteral("-L"), QStringLiteral("-p"),
                                  QStringLiteral("udp") })
                          .out;
            text += QStringLiteral("--- ss -Huan in %1\n").arg(node)
                + m_lab->exec(node, { QStringLiteral("ss"), QStringLiteral("-Huan") }).out;
        }
        const QString file = m_grid->dir() + QStringLiteral("/diagnosis-%1-%2.txt").arg(technique.name).arg(run);
        QFile out(file);
        if (out.open(QIODevice::WriteOnly) && out.write(text.toUtf8()) > 0)
            qWarning("routers' UDP mappings and the members' sockets: %s", qPrintable(file));
    }

    stopDaemon(newcomer);
    readMilestones(m_grid->dir() + QLatin1Char('/') + logName, startWallMs, stable, QString(), &sample.milestones);
    readMilestones(m_grid->dir() + QStringLiteral("/pvcd-%1-%2.log").arg(technique.name, stable), startWallMs, newcomer,
        QStringLiteral("other "), &sample.milestones);
    if (probe->state() != QProcess::NotRunning) {
        probe->kill();
        probe->waitForFinished(3000);
    }
    return sample;
}

QTEST_GUILESS_MAIN(BenchNat)
