// Credit statements (core/security/creditstatement.h) and the master's ledger (core/batch/creditledger.h): what a
// volunteer is told it earned, signed so that no broker can change it, and summed so that writing a batch's grants
// again changes nothing.
#include "batch/creditledger.h"
#include "security/creditstatement.h"
#include "security/keys.h"

#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

using namespace pvc::core;

class TstCreditStatement : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void signedAndVerified();
    void changesAndStrangersAreRefused();
    void recentAverageDecays();
    void ledgerSumsEachHost();
    void grantsWrittenAgainChangeNothing();

private:
    CreditStatement statement() const;
    keys::KeyPair m_ca;
    keys::KeyPair m_other;
};

void TstCreditStatement::initTestCase()
{
    m_ca = *keys::generateEd25519();
    m_other = *keys::generateEd25519();
}

CreditStatement TstCreditStatement::statement() const
{
    CreditStatement s;
    s.project = QStringLiteral("proj");
    s.host = QStringLiteral("alice");
    s.version = 7;
    s.issued = QDateTime(QDate(2026, 12, 7), QTime(12, 0), Qt::UTC);
    s.total = 12.5;
    s.certifiedTasks = 40;
    s.recentAverage = 1.25;
    s.history = { { QDate(2026, 12, 6), 2.5 }, { QDate(2026, 12, 7), 10 } };
    return s;
}

void TstCreditStatement::signedAndVerified()
{
    const auto signedStatement = statement().sign(m_ca.privatePem);
    QVERIFY(signedStatement.ok());
    const auto verified = CreditStatement::verify(*signedStatement, m_ca.publicPem, QStringLiteral("proj"));
    QVERIFY2(verified.ok(), qPrintable(verified.ok() ? QString() : verified.error().detail));
    QCOMPARE(verified->host, QStringLiteral("alice"));
    QCOMPARE(verified->version, 7);
    QCOMPARE(verified->total, 12.5);
    QCOMPARE(verified->certifiedTasks, 40);
    QCOMPARE(verified->history.size(), 2);
    QCOMPARE(verified->history.last().second, 10.0);
    const QJsonObject shown = verified->toStatusJson(verified->issued);
    QCOMPARE(shown.value(QLatin1String("daily_average")).toDouble(), 1.25);
    QCOMPARE(shown.value(QLatin1String("history")).toArray().at(0).toObject().value(QLatin1String("date")).toString(),
        QStringLiteral("2026-12-06"));
}

void TstCreditStatement::changesAndStrangersAreRefused()
{
    const QJsonObject good = *statement().sign(m_ca.privatePem);
    QJsonObject altered = good;
    QJsonObject body = altered.value(QLatin1String("body")).toObject();
    body.insert(QStringLiteral("total"), 1000);
    altered.insert(QStringLiteral("body"), body);
    QCOMPARE(CreditStatement::verify(altered, m_ca.publicPem, QStringLiteral("proj")).error().code,
        QStringLiteral("credits.bad_signature"));
    QCOMPARE(CreditStatement::verify(*statement().sign(m_other.privatePem), m_ca.publicPem, QStringLiteral("proj"))
                 .error()
                 .code,
        QStringLiteral("credits.bad_signature"));
    QCOMPARE(CreditStatement::verify(good, m_ca.publicPem, QStringLiteral("another")).error().code,
        QStringLiteral("credits.wrong_project"));
    QCOMPARE(CreditStatement::verify(QJsonObject(), m_ca.publicPem, QStringLiteral("proj")).error().code,
        QStringLiteral("credits.malformed"));
    // Negative credit, a history out of order, or too long a history: malformed even when signed.
    CreditStatement negative = statement();
    negative.total = -1;
    QCOMPARE(
        CreditStatement::verify(*negative.sign(m_ca.privatePem), m_ca.publicPem, QStringLiteral("proj")).error().code,
        QStringLiteral("credits.malformed"));
    CreditStatement disorder = statement();
    std::swap(disorder.history[0], disorder.history[1]);
    QCOMPARE(
        CreditStatement::verify(*disorder.sign(m_ca.privatePem), m_ca.publicPem, QStringLiteral("proj")).error().code,
        QStringLiteral("credits.malformed"));
    CreditStatement longer = statement();
    longer.history.clear();
    for (int i = 0; i <= CreditStatement::MaxHistoryDays; ++i)
        longer.history.append({ QDate(2020, 1, 1).addDays(i), 1 });
    QCOMPARE(
        CreditStatement::verify(*longer.sign(m_ca.privatePem), m_ca.publicPem, QStringLiteral("proj")).error().code,
        QStringLiteral("credits.malformed"));
}

void TstCreditStatement::recentAverageDecays()
{
    const CreditStatement s = statement();
    QCOMPARE(s.recentAverageAt(s.issued), 1.25);
    QVERIFY(qAbs(s.recentAverageAt(s.issued.addDays(7)) - 0.625) < 1e-9); // a 7-day half-life
    QCOMPARE(s.recentAverageAt(s.issued.addDays(-1)), 1.25); // a clock behind never raises it
}

void TstCreditStatement::ledgerSumsEachHost()
{
    QTemporaryDir dir;
    CreditLedger ledger;
    QString error;
    QVERIFY2(ledger.open(dir.filePath(QStringLiteral("ledger.db")), &error), qPrintable(error));
    const QFile::Permissions others = QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther;
    QVERIFY(!(QFileInfo(dir.filePath(QStringLiteral("ledger.db"))).permissions() & others)); // 0600
    QVERIFY(ledger.setTaskGrants(QStringLiteral("b"), QStringLiteral("t1"),
        { { QStringLiteral("t1"), QStringLiteral("a"), 1.0, 432 },
            { QStringLiteral("t1"), QStringLiteral("b"), 1.0, 432 } }));
    QVERIFY(ledger.setTaskGrants(
        QStringLiteral("b"), QStringLiteral("t2"), { { QStringLiteral("t2"), QStringLiteral("a"), 2.0, 864 } }));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const auto all = ledger.summaries(now);
    QCOMPARE(all.size(), 2);
    QCOMPARE(all[0].host, QStringLiteral("a"));
    QCOMPARE(all[0].total, 3.0);
    QCOMPARE(all[0].certifiedTasks, 2);
    QCOMPARE(all[0].history.size(), 1);
    // Just granted: 3 credits weighted by ln 2 / 7 days.
    QVERIFY(qAbs(all[0].recentAverage - 3 * std::log(2.0) / 7) < 1e-3);
    // Opened again: the grant goes, and the digest says a new statement is due.
    QVERIFY(ledger.setTaskGrants(QStringLiteral("b"), QStringLiteral("t2"), {}));
    const auto after = ledger.summaries(now);
    QCOMPARE(after[0].total, 1.0);
    QVERIFY(after[0].digest != all[0].digest);
    QVERIFY(!ledger.published(QStringLiteral("a")));
    QVERIFY(ledger.setPublished(QStringLiteral("a"), { 42, after[0].digest, now }));
    QCOMPARE(ledger.published(QStringLiteral("a"))->version, 42);
}

void TstCreditStatement::grantsWrittenAgainChangeNothing()
{
    QTemporaryDir dir;
    CreditLedger ledger;
    QString error;
    QVERIFY(ledger.open(dir.filePath(QStringLiteral("ledger.db")), &error));
    const QList<CreditLedger::Grant> grants { { QStringLiteral("t1"), QStringLiteral("a"), 1.0, 432 },
        { QStringLiteral("t2"), QStringLiteral("a"), 1.0, 432 } };
    QVERIFY(ledger.syncBatch(QStringLiteral("b"), grants));
    const auto first = ledger.summaries(QDateTime::currentDateTimeUtc());
    QTest::qWait(1100);
    QVERIFY(ledger.syncBatch(QStringLiteral("b"), grants)); // pvc-batch resumed: the same grants again
    QVERIFY(ledger.setTaskGrants(QStringLiteral("b"), QStringLiteral("t1"), { grants.first() }));
    const auto second = ledger.summaries(QDateTime::currentDateTimeUtc());
    QCOMPARE(second[0].total, 2.0);
    QCOMPARE(second[0].digest, first[0].digest);
    QVERIFY(second[0].recentAverage < first[0].recentAverage); // the grants kept their first time
    // Another batch's grants add up; they do not replace.
    QVERIFY(ledger.syncBatch(QStringLiteral("c"), { { QStringLiteral("t1"), QStringLiteral("a"), 0.5, 216 } }));
    QCOMPARE(ledger.summaries(QDateTime::currentDateTimeUtc())[0].total, 2.5);
}

QTEST_GUILESS_MAIN(TstCreditStatement)
#include "tst_creditstatement.moc"
