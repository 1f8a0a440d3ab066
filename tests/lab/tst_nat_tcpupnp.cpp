// Traversing-TCP and UPnP on the NAT grid of tst_nat.cpp (docs/connectivity.md, "Lab tests"): a direct TCP path
// made by an injected SYN behind a host firewall, and the life of pvcd's own mapping on a real miniupnpd.
#include "tst_nat.h"

// Traversing-TCP (the paper's section 4.4.3): pub1 gets a host firewall like ufw's defaults (inbound: only
// established traffic and loopback; and here also no new outbound connection to the peer, so that TCP hole
// punching cannot work either), and hnoudp1's network drops UDP, so only TCP can carry their tunnel. hnoudp1's
// SYN, captured by its helper, crosses the broker in the peer session and pub1's helper injects it: the pair ends
// on a direct TCP path made by ttcp, and a transfer crosses it intact both ways.
void TstNat::traversingTcp()
{
    QVERIFY(m_grid);
    const QString server = QStringLiteral("pub1");
    const QString client = QStringLiteral("hnoudp1");
    const QString clientPublic = m_lab->publicAddress(client);
    m_grid->killDaemon(client);
    const QString rules = QStringLiteral("table inet pvcttcp {\n"
                                         "    chain input {\n"
                                         "        type filter hook input priority filter - 5; policy accept;\n"
                                         "        ct state established,related accept\n"
                                         "        iif \"lo\" accept\n"
                                         "        ip saddr %1 ct state new drop\n"
                                         "    }\n"
                                         "    chain output {\n"
                                         "        type filter hook output priority filter - 5; policy accept;\n"
                                         "        ct state established,related accept\n"
                                         "        ip daddr %1 ct state new drop\n"
                                         "    }\n"
                                         "}\n")
                              .arg(clientPublic);
    const QString rulesFile = m_grid->dir() + QStringLiteral("/ttcp-firewall.nft");
    QFile file(rulesFile);
    QVERIFY(file.open(QIODevice::WriteOnly) && file.write(rules.toUtf8()) > 0);
    file.close();
    const auto removeFirewall = qScopeGuard([&] {
        m_lab->exec(server,
            { QStringLiteral("nft"), QStringLiteral("delete"), QStringLiteral("table"), QStringLiteral("inet"),
                QStringLiteral("pvcttcp") });
    });
    const RunResult applied = m_lab->exec(server, { QStringLiteral("nft"), QStringLiteral("-f"), rulesFile });
    QVERIFY2(applied.exitCode == 0, qPrintable(applied.err));
    QVERIFY2(m_grid->restartDaemon(client), qPrintable(m_grid->error()));

    QElapsedTimer timer;
    timer.start();
    QJsonObject seen;
    QJsonObject back;
    while (timer.elapsed() < 40000) {
        seen = m_grid->peer(client, server);
        back = m_grid->peer(server, client);
        if (str(seen, "path") == direct && str(back, "path") == direct)
            break;
        QThread::msleep(200);
    }
    qInfo("%s - %s: %s and %s after %lld ms (endpoints %s, %s)", qPrintable(client), qPrintable(server),
        qPrintable(NatPeers::cell(NatPeers::observe(*m_grid), client, server)),
        qPrintable(NatPeers::cell(NatPeers::observe(*m_grid), server, client)), timer.elapsed(),
        qPrintable(str(seen, "endpoint")), qPrintable(str(back, "endpoint")));
    QCOMPARE(str(seen, "path"), direct);
    QCOMPARE(str(back, "path"), direct);
    QCOMPARE(str(seen, "technique"), QStringLiteral("ttcp"));
    QCOMPARE(str(back, "technique"), QStringLiteral("ttcp"));
    for (const auto& [from, to] : { std::pair { client, server }, std::pair { server, client } }) {
        const std::unique_ptr<LabTransfer> transfer = m_grid->startTransfer(from, to, m_matrixSource);
        QVERIFY2(transfer, qPrintable(m_grid->error()));
        const TransferResult result = transfer->wait(30000);
        QVERIFY2(result.ok(), qPrintable(result.error));
    }
    QCOMPARE(str(m_grid->peer(client, server), "technique"), QStringLiteral("ttcp"));
}

// The UPnP mapping pvcd makes on its home router lives exactly as long as pvcd: there while it runs, gone
// after a clean exit (SIGTERM), and still there after a SIGKILL until the next start removes it. The witness is
// `upnpc -l` run in the router's namespace against its own miniupnpd.
void TstNat::upnpCleansUp()
{
    QVERIFY(m_grid);
    const QString home = QStringLiteral("hupnp1");
    const QString router = m_lab->routerOf(home);
    const QString lanGateway = m_lab->address(home).section(QLatin1Char('.'), 0, 2) + QStringLiteral(".1");
    const QString url = QStringLiteral("http://%1:5000/rootDesc.xml").arg(lanGateway);
    const QString description = QStringLiteral("pvc ") + home;
    // The router's mappings with pvcd's description, as "external->internal_address:internal_port".
    auto mappings = [&] {
        const RunResult listed
            = m_lab->exec(router, { QStringLiteral("upnpc"), QStringLiteral("-u"), url, QStringLiteral("-l") });
        static const QRegularExpression row(QStringLiteral(R"(^\s*\d+\s+UDP\s+(\d+)->([\d.]+):(\d+)\s+'([^']*)')"));
        QStringList out;
        for (const QString& line : listed.out.split(QLatin1Char('\n'))) {
            const auto match = row.match(line);
            if (match.hasMatch() && match.captured(4) == description)
                out << match.captured(1) + QStringLiteral("->") + match.captured(2) + QLatin1Char(':')
                        + match.captured(3);
        }
        return out;
    };
    auto waitFor = [](const std::function<bool()>& condition, int timeoutMs) {
        QElapsedTimer timer;
        timer.start();
        while (!condition()) {
            if (timer.elapsed() > timeoutMs)
                return false;
            QThread::msleep(200);
        }
        return true;
    };
    auto expected = [&] {
        const QJsonObject status = m_grid->status(home);
        const QJsonObject upnp = status.value(QLatin1String("upnp")).toObject();
        const QString external = str(upnp, "external");
        const int port = status.value(QLatin1String("tunnel")).toObject().value(QLatin1String("udp_port")).toInt();
        if (str(upnp, "state") != QLatin1String("mapped") || external.isEmpty() || port == 0)
            return QString();
        return external.section(QLatin1Char(':'), 1) + QStringLiteral("->") + m_lab->address(home) + QLatin1Char(':')
            + QString::number(port);
    };

    QString running;
    QVERIFY2(waitFor([&] { return !(running = expected()).isEmpty(); }, 15000),
        qPrintable(QStringLiteral("pvcd reports no mapping: %1")
                       .arg(QString::fromUtf8(QJsonDocument(m_grid->status(home)).toJson(QJsonDocument::Compact)))));
    QCOMPARE(mappings(), QStringList { running });
    qInfo("while pvcd runs, the router maps %s (%s)", qPrintable(running), qPrintable(description));

    QVERIFY2(m_grid->stopDaemon(home), "pvcd did not exit cleanly on SIGTERM");
    QVERIFY2(waitFor([&] { return mappings().isEmpty(); }, 5000),
        qPrintable(QStringLiteral("still mapped after a clean exit: %1").arg(mappings().join(QLatin1Char(' ')))));

    QVERIFY2(m_grid->restartDaemon(home), qPrintable(m_grid->error()));
    QString second;
    QVERIFY(waitFor([&] { return !(second = expected()).isEmpty(); }, 15000));
    QCOMPARE(mappings(), QStringList { second });
    m_grid->killDaemon(home);
    QCOMPARE(mappings(), QStringList { second }); // nobody removed it
    QVERIFY2(m_grid->restartDaemon(home), qPrintable(m_grid->error()));
    QString third;
    QVERIFY(waitFor([&] { return !(third = expected()).isEmpty(); }, 15000));
    qInfo("after SIGKILL the stale %s stayed; the next start left only %s", qPrintable(second), qPrintable(third));
    // pvcd takes a new UDP port at each start, so the stale mapping is a different row: it must be gone.
    QVERIFY2(third != second, "the same port twice: this run cannot tell a reclaimed mapping from a reused one");
    QCOMPARE(mappings(), QStringList { third });
}
