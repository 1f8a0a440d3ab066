// UPnP port mapping as a user meets it (docs/connectivity.md, "UPnP IGD"): miniupnpd runs on the lab's
// `upnp` router, learning its public address by STUN from the broker node, and the process under test
// keeps a UDP port mapped from the home host behind it. The witnesses are the router's own mapping
// table (upnpc -l), its nftables chain, and a datagram sent from the internet. Needs root; skipped
// otherwise.
//
// The process under test is pvc-upnpprobe, which runs UpnpMapper alone; mapperCommand() is the one
// place to swap in pvcd.
#include "labnetwork.h"
#include "testgrid.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTest>
#include <csignal>
#include <functional>
#include <list>
#include <memory>

using pvc::test::LabNetwork;
using pvc::test::RunResult;
using pvc::test::TestGrid;
using namespace Qt::StringLiterals;

namespace {

const QString home = QStringLiteral("hupnp");
const QString router = QStringLiteral("rupnp");
const QString internet = QStringLiteral("pub");
const QString stunNode = QStringLiteral("broker");
const QString nobody = QStringLiteral("nobody");
constexpr quint16 stunPort = 3478;
constexpr quint16 upnpdHttpPort = 5000; // lab.sh's miniupnpd

// The process under test: it keeps UDP `port` mapped with `description`, prints its UPnP status as one
// JSON object per line ({"state": ..., "external": "ip:port", ...}) and prints {"received": TEXT} for
// every datagram that reaches the port. SIGTERM must delete the mapping.
QStringList mapperCommand(quint16 port, const QString& description)
{
    return { TestGrid::binary(QStringLiteral("pvc-upnpprobe")), QStringLiteral("map"), QString::number(port),
        description };
}

// One row of the router's table, as upnpc -l prints it.
struct RouterMapping {
    QString protocol;
    quint16 externalPort = 0;
    QString client;
    quint16 internalPort = 0;
    QString description;
};

} // namespace

class TstUpnp : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();

    void mappingLivesAsLongAsTheProcess();
    void lostMappingIsMappedAgain();
    void killedProcessLeavesAMappingTheNextStartRemoves();

private:
    struct Mapper {
        QProcess* process = nullptr; // owned by the lab
        QByteArray out;
        QByteArray err;
    };
    Mapper startMapper(quint16 port, const QString& description);
    // Reads what the mapper printed until a line satisfies `accept`, at most timeoutMs.
    QJsonObject waitForLine(Mapper& mapper, const std::function<bool(const QJsonObject&)>& accept, int timeoutMs);
    QJsonObject waitForMapped(Mapper& mapper) { return waitForLine(mapper, isMapped, 15000); }
    bool terminate(Mapper& mapper, int signal);
    QList<RouterMapping> routerMappings(const QString& description);
    QString natChain();
    bool sendFromInternet(quint16 port, const QString& text);
    QString diagnostics(Mapper& mapper);

    static bool isMapped(const QJsonObject& line)
    {
        return line.value(QLatin1String("state")).toString() == "mapped"_L1;
    }

    std::unique_ptr<LabNetwork> m_lab;
    std::list<Mapper> m_mappers; // stable references
};

void TstUpnp::initTestCase()
{
    if (!LabNetwork::isRoot())
        QSKIP("the lab needs root (network namespaces)");
    for (const char* tool : { "ip", "nft", "ss", "socat", "miniupnpd", "upnpc" }) {
        const QString name = QString::fromLatin1(tool);
        const bool found = !QStandardPaths::findExecutable(name).isEmpty()
            || !QStandardPaths::findExecutable(name, { QStringLiteral("/usr/sbin"), QStringLiteral("/sbin") })
                    .isEmpty();
        QVERIFY2(found, qPrintable(QStringLiteral("%1 is missing; see installer/debian-packages.txt").arg(name)));
    }
    const QString probe = TestGrid::binary(QStringLiteral("pvc-upnpprobe"));
    QVERIFY2(QFileInfo(probe).isExecutable(), qPrintable(probe + QStringLiteral(" is not built")));
    LabNetwork::sweepStale();

    m_lab = std::make_unique<LabNetwork>(LabNetwork::topology(QStringLiteral("nat-matrix")));
    QVERIFY2(m_lab->isUp(), qPrintable(m_lab->error()));
    QCOMPARE(m_lab->kind(router), QStringLiteral("upnp"));
    QCOMPARE(m_lab->routerOf(home), router);
    // miniupnpd refuses mappings while its WAN address (198.18/15) looks reserved, until STUN tells it
    // that this is its public address (docs/lab.md).
    m_lab->spawn(stunNode, { probe, QStringLiteral("stun"), m_lab->address(stunNode), QString::number(stunPort) });
    QVERIFY(m_lab->waitForListening(stunNode, stunPort, true));
    QVERIFY2(m_lab->startUpnpd(router, m_lab->address(stunNode), stunPort), qPrintable(m_lab->error()));
}

void TstUpnp::cleanupTestCase()
{
    const QString prefix = m_lab ? m_lab->prefix() : QString();
    m_lab.reset();
    if (!prefix.isEmpty())
        QVERIFY2(LabNetwork::namespacesWithPrefix(prefix).isEmpty(), "the lab outlived the test");
}

void TstUpnp::cleanup()
{
    for (Mapper& mapper : m_mappers) {
        if (QTest::currentTestFailed())
            qInfo("%s", qPrintable(diagnostics(mapper)));
        if (mapper.process->state() != QProcess::NotRunning) {
            ::kill(pid_t(mapper.process->processId()), SIGTERM);
            if (!mapper.process->waitForFinished(5000))
                mapper.process->kill();
        }
    }
    m_mappers.clear();
    if (QTest::currentTestFailed() && m_lab)
        qInfo("miniupnpd's log ends with:\n%s", qPrintable(m_lab->upnpdLog(router).right(3000)));
}

// While it runs, the router holds exactly our mapping and forwards to it; SIGTERM removes it.
void TstUpnp::mappingLivesAsLongAsTheProcess()
{
    const QString description = QStringLiteral("pvc tst-upnp-lives");
    constexpr quint16 port = 41000;
    Mapper& mapper = m_mappers.emplace_back(startMapper(port, description));
    const QJsonObject status = waitForMapped(mapper);
    QVERIFY2(!status.isEmpty(), qPrintable(diagnostics(mapper)));
    const QString external = m_lab->publicAddress(home) + QStringLiteral(":%1").arg(port);
    QCOMPARE(status.value(QLatin1String("external")).toString(), external);
    QVERIFY(status.value(QLatin1String("lease_s")).toInt() > 0);

    const QList<RouterMapping> rows = routerMappings(description);
    QCOMPARE(rows.size(), 1);
    QCOMPARE(rows[0].protocol, QStringLiteral("UDP"));
    QCOMPARE(rows[0].externalPort, port);
    QCOMPARE(rows[0].client, m_lab->address(home));
    QCOMPARE(rows[0].internalPort, port);
    const QString dnat = QStringLiteral("dport %1 dnat ip to %2:%1").arg(port).arg(m_lab->address(home));
    QVERIFY2(natChain().contains(dnat), qPrintable(natChain()));

    // A host on the internet reaches the home host through the router's public address.
    QVERIFY(sendFromInternet(port, QStringLiteral("through-the-mapping")));
    const QJsonObject received = waitForLine(
        mapper,
        [](const QJsonObject& line) {
            return line.value(QLatin1String("received")).toString() == "through-the-mapping"_L1;
        },
        5000);
    QVERIFY2(!received.isEmpty(), qPrintable(diagnostics(mapper)));
    QCOMPARE(
        received.value(QLatin1String("from")).toString().section(QLatin1Char(':'), 0, 0), m_lab->address(internet));

    QVERIFY2(terminate(mapper, SIGTERM), qPrintable(diagnostics(mapper)));
    QCOMPARE(mapper.process->exitCode(), 0);
    QCOMPARE(routerMappings(description).size(), 0);
    QVERIFY2(!natChain().contains(dnat), qPrintable(natChain()));
}

// The router forgets the mapping behind the mapper's back (a router reboot, another program): within its
// 30 s check the mapper maps the same port again.
void TstUpnp::lostMappingIsMappedAgain()
{
    const QString description = QStringLiteral("pvc tst-upnp-lost");
    constexpr quint16 port = 41100;
    Mapper& mapper = m_mappers.emplace_back(startMapper(port, description));
    QVERIFY2(!waitForMapped(mapper).isEmpty(), qPrintable(diagnostics(mapper)));
    QCOMPARE(routerMappings(description).size(), 1);

    const QString url = QStringLiteral("http://198.19.%1.1:%2/rootDesc.xml")
                            .arg(m_lab->address(home).section(QLatin1Char('.'), 2, 2))
                            .arg(upnpdHttpPort);
    const RunResult deleted = m_lab->exec(home,
        { QStringLiteral("upnpc"), QStringLiteral("-u"), url, QStringLiteral("-d"), QString::number(port),
            QStringLiteral("UDP") });
    QVERIFY2(deleted.exitCode == 0, qPrintable(deleted.out + deleted.err));
    QCOMPARE(routerMappings(description).size(), 0);

    QElapsedTimer timer;
    timer.start();
    QList<RouterMapping> rows;
    while (rows.isEmpty() && timer.elapsed() < 45000) {
        QTest::qWait(1000);
        rows = routerMappings(description);
    }
    QVERIFY2(rows.size() == 1, qPrintable(diagnostics(mapper)));
    QCOMPARE(rows[0].externalPort, port);
    qInfo("mapped again after %lld ms", timer.elapsed());
    QVERIFY(sendFromInternet(port, QStringLiteral("after-the-loss")));
    QVERIFY2(!waitForLine(
                 mapper,
                 [](const QJsonObject& line) {
                     return line.value(QLatin1String("received")).toString() == "after-the-loss"_L1;
                 },
                 5000)
                  .isEmpty(),
        qPrintable(diagnostics(mapper)));

    QVERIFY2(terminate(mapper, SIGTERM), qPrintable(diagnostics(mapper)));
    QCOMPARE(routerMappings(description).size(), 0);
}

// SIGKILL leaves the mapping on the router; the next start (on another port, as pvcd picks a free one)
// removes it before mapping, so exactly one mapping with our description remains: the new one.
void TstUpnp::killedProcessLeavesAMappingTheNextStartRemoves()
{
    const QString description = QStringLiteral("pvc tst-upnp-killed");
    constexpr quint16 firstPort = 41200;
    constexpr quint16 secondPort = 41201;
    Mapper& first = m_mappers.emplace_back(startMapper(firstPort, description));
    QVERIFY2(!waitForMapped(first).isEmpty(), qPrintable(diagnostics(first)));
    QVERIFY2(terminate(first, SIGKILL), qPrintable(diagnostics(first)));

    QList<RouterMapping> rows = routerMappings(description);
    QCOMPARE(rows.size(), 1);
    QCOMPARE(rows[0].externalPort, firstPort);
    QVERIFY(natChain().contains(QStringLiteral("dport %1 dnat").arg(firstPort)));

    Mapper& second = m_mappers.emplace_back(startMapper(secondPort, description));
    const QJsonObject status = waitForMapped(second);
    QVERIFY2(!status.isEmpty(), qPrintable(diagnostics(second)));
    QCOMPARE(status.value(QLatin1String("external")).toString(),
        m_lab->publicAddress(home) + QStringLiteral(":%1").arg(secondPort));
    rows = routerMappings(description);
    QCOMPARE(rows.size(), 1);
    QCOMPARE(rows[0].externalPort, secondPort);
    QCOMPARE(rows[0].internalPort, secondPort);
    QVERIFY2(!natChain().contains(QStringLiteral("dport %1 dnat").arg(firstPort)), qPrintable(natChain()));

    QVERIFY2(terminate(second, SIGTERM), qPrintable(diagnostics(second)));
    QCOMPARE(routerMappings(description).size(), 0);
}

TstUpnp::Mapper TstUpnp::startMapper(quint16 port, const QString& description)
{
    Mapper mapper;
    // As nobody: mapping a port needs no privilege.
    mapper.process = m_lab->spawn(home, mapperCommand(port, description), nobody);
    return mapper;
}

QJsonObject TstUpnp::waitForLine(Mapper& mapper, const std::function<bool(const QJsonObject&)>& accept, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    qsizetype scanned = 0;
    for (;;) {
        mapper.out += mapper.process->readAllStandardOutput();
        qsizetype end;
        while ((end = mapper.out.indexOf('\n', scanned)) >= 0) {
            const QJsonObject line = QJsonDocument::fromJson(mapper.out.mid(scanned, end - scanned)).object();
            scanned = end + 1;
            if (accept(line))
                return line;
        }
        if (timer.elapsed() >= timeoutMs || mapper.process->state() == QProcess::NotRunning)
            return {};
        mapper.process->waitForReadyRead(100);
    }
}

bool TstUpnp::terminate(Mapper& mapper, int signal)
{
    ::kill(pid_t(mapper.process->processId()), signal);
    // UpnpMapper::stop() is bounded at a few seconds even with a silent router.
    const bool ended = mapper.process->waitForFinished(5000);
    mapper.out += mapper.process->readAllStandardOutput();
    return ended;
}

QList<RouterMapping> TstUpnp::routerMappings(const QString& description)
{
    // Straight to the router's description URL: no SSDP, so no 2 s wait per listing.
    const QString url = QStringLiteral("http://198.19.%1.1:%2/rootDesc.xml")
                            .arg(m_lab->address(home).section(QLatin1Char('.'), 2, 2))
                            .arg(upnpdHttpPort);
    const RunResult r = m_lab->exec(home, { QStringLiteral("upnpc"), QStringLiteral("-u"), url, QStringLiteral("-l") });
    // upnpc 2.2: " 0 UDP 41000->198.19.4.2:41000 'pvc tst-upnp-lives' '' 3598"
    static const QRegularExpression row(
        QStringLiteral(R"(^\s*\d+\s+(UDP|TCP)\s+(\d+)->([0-9.]+):(\d+)\s+'(.*?)'\s+'(.*?)'\s+\d+\s*$)"),
        QRegularExpression::MultilineOption);
    QList<RouterMapping> found;
    for (auto it = row.globalMatch(r.out); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        if (m.captured(5) == description)
            found.append({ m.captured(1), quint16(m.captured(2).toUInt()), m.captured(3),
                quint16(m.captured(4).toUInt()), m.captured(5) });
    }
    if (!r.out.contains(QStringLiteral("i protocol exPort")))
        qWarning("upnpc -l printed no table: %s %s", qPrintable(r.out), qPrintable(r.err));
    return found;
}

QString TstUpnp::natChain()
{
    return m_lab
        ->exec(router,
            { QStringLiteral("nft"), QStringLiteral("list"), QStringLiteral("chain"), QStringLiteral("inet"),
                QStringLiteral("pvclab"), QStringLiteral("prerouting_miniupnpd") })
        .out;
}

bool TstUpnp::sendFromInternet(quint16 port, const QString& text)
{
    const QString target = m_lab->publicAddress(home) + QLatin1Char(':') + QString::number(port);
    const RunResult r = m_lab->exec(internet,
        { QStringLiteral("sh"), QStringLiteral("-c"),
            QStringLiteral("printf '%1' | socat -u STDIN UDP4-SENDTO:%2").arg(text, target) });
    if (r.exitCode != 0)
        qWarning("socat from %s: %s", qPrintable(internet), qPrintable(r.err));
    return r.exitCode == 0;
}

QString TstUpnp::diagnostics(Mapper& mapper)
{
    mapper.out += mapper.process->readAllStandardOutput();
    mapper.err += mapper.process->readAllStandardError();
    return QStringLiteral("the mapper printed:\n%1and logged:\n%2")
        .arg(QString::fromUtf8(mapper.out), QString::fromUtf8(mapper.err.right(3000)));
}

QTEST_GUILESS_MAIN(TstUpnp)
#include "tst_upnp.moc"
