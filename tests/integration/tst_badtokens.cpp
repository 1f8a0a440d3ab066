// Issue 2, check 2: expired, exhausted, garbage and forged tokens are refused with a clear error,
// and no certificate is issued for them.
#include "testgrid.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QTest>
#include <QThread>

using pvc::test::RunResult;
using pvc::test::TestGrid;

class TstBadTokens : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void refused_data();
    void refused();

private:
    RunResult joinWith(const QString& host, const QString& token);
    int memberCount();

    TestGrid* m_grid = nullptr;
    QString m_expired;
    QString m_exhausted;
    int m_hosts = 0;
};

void TstBadTokens::initTestCase()
{
    m_grid = new TestGrid;
    QVERIFY(m_grid->init(1));
    m_grid->startBroker(0);
    m_grid->startMaster();
    m_expired = m_grid->invite(5, QStringLiteral("1s"));
    m_exhausted = m_grid->invite(1);
    // The one legitimate use of the single-use token.
    m_grid->startHost(QStringLiteral("first"));
    QVERIFY(m_grid->join(QStringLiteral("first"), m_exhausted));
    QCOMPARE(memberCount(), 1);
    QThread::sleep(2); // m_expired is now past its one-second lifetime
}

void TstBadTokens::cleanupTestCase()
{
    delete m_grid;
}

RunResult TstBadTokens::joinWith(const QString& host, const QString& token)
{
    m_grid->startHost(host);
    return m_grid->pvc(
        host, { QStringLiteral("join"), QStringLiteral("--invite"), token, QStringLiteral("--name"), host });
}

int TstBadTokens::memberCount()
{
    const RunResult hosts = m_grid->admin(
        { QStringLiteral("hosts"), QStringLiteral("--dir"), m_grid->masterDir(), QStringLiteral("--json") });
    return int(QJsonDocument::fromJson(hosts.out.toUtf8()).array().size());
}

void TstBadTokens::refused_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("words");
    QTest::newRow("expired") << "expired"
                             << "enrol.token_expired"
                             << "expired";
    QTest::newRow("exhausted") << "exhausted"
                               << "enrol.token_exhausted"
                               << "used up";
    QTest::newRow("garbage") << "garbage"
                             << "enrol.token_malformed"
                             << "not a pvc invite token";
    QTest::newRow("forged") << "forged"
                            << "enrol.token_invalid"
                            << "not valid for this project";
}

void TstBadTokens::refused()
{
    QFETCH(QString, kind);
    QFETCH(QString, code);
    QFETCH(QString, words);
    QString token;
    if (kind == QLatin1String("expired"))
        token = m_expired;
    else if (kind == QLatin1String("exhausted"))
        token = m_exhausted;
    else if (kind == QLatin1String("garbage"))
        token = QStringLiteral("let-me-in-please");
    else // well-formed, but the master never issued it
        token = QStringLiteral("pvc1-0123456789abcdef-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");

    const QString host = QStringLiteral("host-") + kind;
    const RunResult result = joinWith(host, token);
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(result.err.contains(code), qPrintable(result.err));
    QVERIFY2(result.err.contains(words), qPrintable(result.err));

    // Nothing was issued: the host is not a member, holds no certificate, and the master lists no new host.
    QCOMPARE(m_grid->status(host).value(QLatin1String("state")).toString(), QStringLiteral("disconnected"));
    QVERIFY(!QFileInfo::exists(m_grid->stateDir(host) + QStringLiteral("/membership.crt")));
    QCOMPARE(memberCount(), 1);
}

QTEST_GUILESS_MAIN(TstBadTokens)
#include "tst_badtokens.moc"
