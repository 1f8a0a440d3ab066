// BitTorrent data inside the overlay (docs/data.md), on tests/lab/topologies/grid.topo: the master publishes a
// generated file with `pvc publish`, three volunteers behind a public address, a cone NAT and a symmetric NAT fetch
// it with `pvc fetch`, and every copy is checked; captures on the volunteers' real interfaces hold no BitTorrent.
// Needs root; skipped otherwise.
#include "labgrid.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTest>
#include <csignal>
#include <memory>

using pvc::test::LabGrid;
using pvc::test::LabNetwork;
using pvc::test::RunResult;

namespace {

const QString master = QStringLiteral("master");
const QStringList volunteers { QStringLiteral("pub"), QStringLiteral("hcone"), QStringLiteral("hsym") };
constexpr qint64 FileBytes = 200LL * 1000 * 1000;
// Members reach each other's BitTorrent port, and the master's; nothing else is needed here.
const QString policy = QStringLiteral(R"({"format":"pvc-policy-1","rules":[
    {"from":"any","to":"any","proto":"tcp","ports":"6881"},
    {"from":"any","to":"any","proto":"icmp"}]})");

QByteArray sha256Of(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&file);
    return hash.result().toHex();
}

} // namespace

class TstData : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void cleanupTestCase();
    void bytesArriveIntactInsideTheOverlay();
    void badReferencesAreRefused();

private:
    QProcess* startCapture(const QString& node, const QString& file);

    std::unique_ptr<LabNetwork> m_lab;
    std::unique_ptr<LabGrid> m_grid;
    QString m_reference;
};

void TstData::initTestCase()
{
    if (!LabNetwork::isRoot())
        QSKIP("the lab needs root (network namespaces, pvc-helper)");
    for (const char* tool : { "ip", "nft", "setpriv", "tcpdump" })
        QVERIFY2(!QStandardPaths::findExecutable(QString::fromLatin1(tool)).isEmpty(), tool);
    LabNetwork::sweepStale();
    m_lab = std::make_unique<LabNetwork>(LabNetwork::topology(QStringLiteral("grid")));
    QVERIFY2(m_lab->isUp(), qPrintable(m_lab->error()));
    m_grid = std::make_unique<LabGrid>(*m_lab);
    QVERIFY2(m_grid->start(), qPrintable(m_grid->error()));
    QVERIFY2(m_grid->setPolicy(policy), qPrintable(m_grid->error()));
    QVERIFY2(m_grid->startMembers(QStringList { master } + volunteers), qPrintable(m_grid->error()));
    QVERIFY2(m_grid->join(master, m_grid->invite(1, QStringLiteral("master"))), qPrintable(m_grid->error()));
    QVERIFY2(m_grid->joinAll(volunteers, m_grid->invite(int(volunteers.size()))), qPrintable(m_grid->error()));
    for (const QString& node : volunteers)
        QVERIFY2(m_grid->waitForAuthenticated(node, master), qPrintable(node));
}

void TstData::cleanup()
{
    if (m_grid && QTest::currentTestFailed())
        qInfo("%s", qPrintable(m_grid->logTails(20)));
}

void TstData::cleanupTestCase()
{
    m_grid.reset();
    m_lab.reset();
}

QProcess* TstData::startCapture(const QString& node, const QString& file)
{
    // The volunteer's real interface (eth0 in its namespace), everything on it.
    QProcess* capture = m_lab->spawn(node,
        { QStringLiteral("tcpdump"), QStringLiteral("-i"), QStringLiteral("eth0"), QStringLiteral("-n"),
            QStringLiteral("-U"), QStringLiteral("-s"), QStringLiteral("0"), QStringLiteral("-Z"),
            QStringLiteral("root"), QStringLiteral("-w"), file });
    QByteArray said;
    LabGrid::waitFor(
        [&] {
            capture->waitForReadyRead(100);
            said += capture->readAllStandardError();
            return said.contains("listening on") || capture->state() != QProcess::Running;
        },
        10000, 10);
    return capture;
}

void TstData::bytesArriveIntactInsideTheOverlay()
{
    const QString source = m_grid->nobodyDir(QStringLiteral("published")) + QStringLiteral("/genome.bin");
    QFile file(source);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QByteArray block(1 << 20, Qt::Uninitialized);
    for (qint64 written = 0; written < FileBytes; written += block.size()) {
        for (qsizetype i = 0; i < block.size(); i += 8)
            *reinterpret_cast<quint64*>(block.data() + i) = QRandomGenerator::global()->generate64();
        QVERIFY(file.write(block.constData(), qMin<qint64>(block.size(), FileBytes - written)) > 0);
    }
    file.close();
    QVERIFY(QFile::setPermissions(source, QFileDevice::ReadOwner | QFileDevice::ReadOther | QFileDevice::WriteOwner));
    const QByteArray expected = sha256Of(source);

    const RunResult published = m_grid->pvc(master, { QStringLiteral("publish"), source }, 120000);
    QVERIFY2(published.exitCode == 0, qPrintable(published.err + published.out));
    m_reference = published.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts).last().trimmed();
    QVERIFY2(m_reference.startsWith(QLatin1String("pvc-data:")), qPrintable(published.out));
    qInfo("published %s", qPrintable(m_reference));

    QList<QProcess*> captures;
    for (const QString& node : volunteers)
        captures << startCapture(node, m_grid->dir() + QLatin1Char('/') + node + QStringLiteral("-eth0.pcap"));
    QElapsedTimer timer;
    timer.start();
    std::vector<std::unique_ptr<QProcess>> fetches;
    for (const QString& node : volunteers) {
        const QString dest = m_grid->nobodyDir(node + QStringLiteral("-fetched"));
        auto fetch = std::make_unique<QProcess>();
        fetch->start(QStringLiteral("ip"),
            { QStringLiteral("netns"), QStringLiteral("exec"), m_lab->namespaceName(node), QStringLiteral("setpriv"),
                QStringLiteral("--reuid=nobody"), QStringLiteral("--regid=nogroup"), QStringLiteral("--clear-groups"),
                QStringLiteral("--"), QStringLiteral("env"),
                QStringLiteral("XDG_RUNTIME_DIR=") + m_grid->runtimeDir(node), LabGrid::binary(QStringLiteral("pvc")),
                QStringLiteral("--control"), m_grid->controlPath(node), QStringLiteral("fetch"), m_reference, dest });
        fetches.push_back(std::move(fetch));
    }
    for (std::size_t i = 0; i < fetches.size(); ++i) {
        QVERIFY2(
            fetches[i]->waitForFinished(240000), qPrintable(volunteers.at(qsizetype(i)) + QStringLiteral(": no end")));
        QVERIFY2(fetches[i]->exitCode() == 0,
            qPrintable(volunteers.at(qsizetype(i)) + QStringLiteral(": ")
                + QString::fromUtf8(fetches[i]->readAllStandardError())));
        const QString copy
            = m_grid->dir() + QLatin1Char('/') + volunteers.at(qsizetype(i)) + QStringLiteral("-fetched/genome.bin");
        QCOMPARE(sha256Of(copy), expected);
    }
    qInfo("200 MB reached 3 volunteers, intact, in %lld ms", timer.elapsed());
    for (QProcess* capture : captures) {
        ::kill(pid_t(capture->processId()), SIGINT);
        capture->waitForFinished(5000);
    }
    // Nothing of the swarm on the real interfaces: no BitTorrent port, no handshake in the clear.
    for (const QString& node : volunteers) {
        QFile pcap(m_grid->dir() + QLatin1Char('/') + node + QStringLiteral("-eth0.pcap"));
        QVERIFY(pcap.open(QIODevice::ReadOnly));
        const QByteArray bytes = pcap.readAll();
        QVERIFY2(bytes.size() > 1000, qPrintable(node)); // tunnel datagrams were captured
        QVERIFY2(!bytes.contains("BitTorrent protocol"), qPrintable(node));
        const RunResult port = m_lab->exec(node,
            { QStringLiteral("tcpdump"), QStringLiteral("-r"), pcap.fileName(), QStringLiteral("-n"),
                QStringLiteral("tcp port 6881 or udp port 6881 or udp port 6771") });
        QVERIFY2(port.exitCode == 0 && port.out.trimmed().isEmpty(), qPrintable(port.out));
    }
    // The swarm is reported in the status.
    const QJsonObject data = m_grid->status(master).value(QLatin1String("data")).toObject();
    QVERIFY2(data.value(QLatin1String("uploaded_bytes")).toInteger() > 0, QJsonDocument(data).toJson().constData());
}

void TstData::badReferencesAreRefused()
{
    for (const QString& bad : { QStringLiteral("pvc-data:1234/x@master"), QStringLiteral("magnet:?xt=urn:btih:00"),
             QStringLiteral("pvc-data:") + QString(40, u'a') + QStringLiteral("/../etc@master") }) {
        const RunResult fetch
            = m_grid->pvc(QStringLiteral("pub"), { QStringLiteral("fetch"), bad, m_grid->dir() }, 10000);
        QCOMPARE(fetch.exitCode, 2);
        QVERIFY2(fetch.err.contains(QLatin1String("data.bad_reference")), qPrintable(fetch.err));
    }
    // A well-formed reference of a publisher nobody knows.
    const RunResult unknown = m_grid->pvc(QStringLiteral("pub"),
        { QStringLiteral("fetch"), QStringLiteral("pvc-data:") + QString(40, u'a') + QStringLiteral("/x@nobody"),
            m_grid->dir() },
        10000);
    QCOMPARE(unknown.exitCode, 2);
    QVERIFY2(unknown.err.contains(QLatin1String("data.unknown_publisher")), qPrintable(unknown.err));
}

QTEST_GUILESS_MAIN(TstData)
#include "tst_data.moc"
