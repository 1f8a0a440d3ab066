// The certification rules of docs/batch.md, on the pure Certifier: voting m+1 -> 2m+1, spot-checks that
// block and re-open, Sarmenta's credibility, failures, and a journal replayed into a new certifier.
#include "batch/certifier.h"

#include <QTest>

using pvc::core::CertificationSpec;
using pvc::core::Certifier;

namespace {
CertificationSpec voting(int quorum = 2, int most = 3, int spotEvery = 0)
{
    CertificationSpec spec;
    spec.mode = CertificationSpec::Mode::Voting;
    spec.quorum = quorum;
    spec.maxReplicas = most;
    spec.spotCheckEvery = spotEvery;
    return spec;
}

CertificationSpec credibility(double targetError = 0.01)
{
    CertificationSpec spec;
    spec.mode = CertificationSpec::Mode::Credibility;
    spec.quorum = 2;
    spec.maxReplicas = 4;
    spec.spotCheckEvery = 5;
    spec.targetError = targetError;
    spec.saboteurFraction = 0.1;
    return spec;
}

const QString t1 = QStringLiteral("t1");
} // namespace

class TstCertifier : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void agreementCertifiesAtTheQuorum();
    void disagreementAddsReplicasUpToTheMost();
    void noMajorityIsInDoubt();
    void replicasGoToDistinctHosts();
    void failuresAreRetriedElsewhereThenGivenUp();
    void spotCheckTurns();
    void failedSpotCheckBlocksAndReopens();
    void colludingSaboteursAreUndoneOnceCaught();
    void credibilityNeedsFewerReplicasFromProvenHosts();
    void credibilityOfDisagreeingGroups();
    void noneModeTakesOneResult();
};

void TstCertifier::agreementCertifiesAtTheQuorum()
{
    Certifier c(voting());
    c.addTask(t1);
    QCOMPARE(c.replicasWanted(t1), 2);
    c.dispatched(t1, QStringLiteral("a"));
    c.dispatched(t1, QStringLiteral("b"));
    QCOMPARE(c.replicasWanted(t1), 0);
    c.resulted(t1, QStringLiteral("a"), QStringLiteral("x"));
    QCOMPARE(c.state(t1), Certifier::State::Pending);
    c.resulted(t1, QStringLiteral("b"), QStringLiteral("x"));
    QCOMPARE(c.state(t1), Certifier::State::Certified);
    QCOMPARE(c.acceptedKey(t1), QStringLiteral("x"));
    QCOMPARE(c.acceptedHosts(t1), QStringList({ QStringLiteral("a"), QStringLiteral("b") }));
    QCOMPARE(c.replicasWanted(t1), 0);
    QVERIFY2(c.reason(t1).contains(QLatin1String("2 of 2")), qPrintable(c.reason(t1)));
}

void TstCertifier::disagreementAddsReplicasUpToTheMost()
{
    Certifier c(voting());
    c.addTask(t1);
    c.resulted(t1, QStringLiteral("a"), QStringLiteral("x"));
    c.resulted(t1, QStringLiteral("b"), QStringLiteral("y"));
    QCOMPARE(c.state(t1), Certifier::State::Pending);
    QCOMPARE(c.replicasWanted(t1), 1); // a third opinion, no more
    c.dispatched(t1, QStringLiteral("c"));
    QCOMPARE(c.replicasWanted(t1), 0);
    c.resulted(t1, QStringLiteral("c"), QStringLiteral("y"));
    QCOMPARE(c.state(t1), Certifier::State::Certified);
    QCOMPARE(c.acceptedKey(t1), QStringLiteral("y"));
    QCOMPARE(c.acceptedHosts(t1), QStringList({ QStringLiteral("b"), QStringLiteral("c") }));
}

void TstCertifier::noMajorityIsInDoubt()
{
    Certifier c(voting());
    c.addTask(t1);
    c.resulted(t1, QStringLiteral("a"), QStringLiteral("x"));
    c.resulted(t1, QStringLiteral("b"), QStringLiteral("y"));
    c.resulted(t1, QStringLiteral("c"), QStringLiteral("z"));
    QCOMPARE(c.state(t1), Certifier::State::InDoubt);
    QCOMPARE(c.replicasWanted(t1), 0);
    QVERIFY(c.acceptedKey(t1).isEmpty());
    // m = 2: five replicas at most, three to agree.
    Certifier five(voting(3, 5));
    five.addTask(t1);
    QCOMPARE(five.replicasWanted(t1), 3);
    five.resulted(t1, QStringLiteral("a"), QStringLiteral("x"));
    five.resulted(t1, QStringLiteral("b"), QStringLiteral("x"));
    five.resulted(t1, QStringLiteral("c"), QStringLiteral("y"));
    QCOMPARE(five.replicasWanted(t1), 1);
    five.resulted(t1, QStringLiteral("d"), QStringLiteral("x"));
    QCOMPARE(five.state(t1), Certifier::State::Certified);
}

void TstCertifier::replicasGoToDistinctHosts()
{
    Certifier c(voting());
    c.addTask(t1);
    c.dispatched(t1, QStringLiteral("a"));
    c.resulted(t1, QStringLiteral("b"), QStringLiteral("x"));
    c.failed(t1, QStringLiteral("c"));
    QCOMPARE(c.hostsUsed(t1), QSet<QString>({ QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c") }));
    c.forgotten(t1, QStringLiteral("a")); // pvc-batch restarted: a's replica will not come back
    QCOMPARE(c.hostsUsed(t1), QSet<QString>({ QStringLiteral("b"), QStringLiteral("c") }));
    QCOMPARE(c.replicasWanted(t1), 1);
}

void TstCertifier::failuresAreRetriedElsewhereThenGivenUp()
{
    Certifier c(voting());
    c.addTask(t1);
    for (int i = 0; i < 7; ++i) {
        QVERIFY(c.replicasWanted(t1) > 0);
        c.failed(t1, QStringLiteral("h%1").arg(i));
    }
    QCOMPARE(c.state(t1), Certifier::State::Pending);
    c.failed(t1, QStringLiteral("h7")); // 2 * 3 + 2 failures
    QCOMPARE(c.state(t1), Certifier::State::InDoubt);
    QVERIFY2(c.reason(t1).contains(QLatin1String("8 replicas failed")), qPrintable(c.reason(t1)));
    // Fewer hosts than that: pvc-batch says when none is left, and the task is in doubt at once.
    Certifier few(voting());
    few.addTask(t1);
    few.failed(t1, QStringLiteral("a"));
    few.exhausted(t1, QStringLiteral("no host left to try"));
    QCOMPARE(few.state(t1), Certifier::State::InDoubt);
    QCOMPARE(few.reason(t1), QStringLiteral("no host left to try"));
    QCOMPARE(few.replicasWanted(t1), 0);
}

void TstCertifier::spotCheckTurns()
{
    Certifier c(voting(2, 3, 3));
    QList<bool> turns;
    for (int i = 0; i < 7; ++i)
        turns << c.takeSpotCheckTurn(QStringLiteral("a"));
    // A new host is checked at once, then every third task.
    QCOMPARE(turns, QList<bool>({ true, false, false, true, false, false, true }));
    QVERIFY(c.takeSpotCheckTurn(QStringLiteral("b"))); // per host
    CertificationSpec later = voting(2, 3, 3);
    later.spotCheckFirst = false;
    Certifier d(later);
    turns.clear();
    for (int i = 0; i < 6; ++i)
        turns << d.takeSpotCheckTurn(QStringLiteral("a"));
    QCOMPARE(turns, QList<bool>({ false, false, true, false, false, true }));
    Certifier none(voting());
    QVERIFY(!none.takeSpotCheckTurn(QStringLiteral("a")));
}

void TstCertifier::failedSpotCheckBlocksAndReopens()
{
    Certifier c(voting(1, 1, 10)); // one replica: only spot-checks catch a saboteur
    for (const QString& task : { QStringLiteral("t1"), QStringLiteral("t2"), QStringLiteral("t3") })
        c.addTask(task);
    c.resulted(QStringLiteral("t1"), QStringLiteral("bad"), QStringLiteral("wrong"));
    c.resulted(QStringLiteral("t2"), QStringLiteral("good"), QStringLiteral("right"));
    c.dispatched(QStringLiteral("t3"), QStringLiteral("bad"));
    QCOMPARE(c.state(QStringLiteral("t1")), Certifier::State::Certified);
    const QStringList reopened = c.spotCheckFailed(QStringLiteral("bad"));
    QCOMPARE(reopened, QStringList { QStringLiteral("t1") });
    QVERIFY(c.isBlocked(QStringLiteral("bad")));
    QCOMPARE(c.state(QStringLiteral("t1")), Certifier::State::Pending);
    QCOMPARE(c.state(QStringLiteral("t2")), Certifier::State::Certified);
    QVERIFY(c.hostsUsed(QStringLiteral("t1")).contains(QStringLiteral("bad")));
    QCOMPARE(c.replicasWanted(QStringLiteral("t1")), 1);
    // What the blocked host still sends is not counted.
    c.resulted(QStringLiteral("t3"), QStringLiteral("bad"), QStringLiteral("wrong"));
    QCOMPARE(c.state(QStringLiteral("t3")), Certifier::State::Pending);
    QCOMPARE(c.hostCredibility(QStringLiteral("bad")), 0.0);
    QCOMPARE(c.blockedHosts(), QStringList { QStringLiteral("bad") });
}

void TstCertifier::colludingSaboteursAreUndoneOnceCaught()
{
    Certifier c(voting(2, 3, 10));
    c.addTask(t1);
    c.resulted(t1, QStringLiteral("s1"), QStringLiteral("forged"));
    c.resulted(t1, QStringLiteral("s2"), QStringLiteral("forged"));
    QCOMPARE(c.acceptedKey(t1), QStringLiteral("forged"));
    QCOMPARE(c.spotCheckFailed(QStringLiteral("s1")), QStringList { t1 });
    QCOMPARE(c.replicasWanted(t1), 1);
    c.resulted(t1, QStringLiteral("h1"), QStringLiteral("true"));
    QCOMPARE(c.state(t1), Certifier::State::Pending); // "forged" 1, "true" 1
    c.resulted(t1, QStringLiteral("h2"), QStringLiteral("true"));
    QCOMPARE(c.acceptedKey(t1), QStringLiteral("true"));
}

void TstCertifier::credibilityNeedsFewerReplicasFromProvenHosts()
{
    Certifier c(credibility());
    QCOMPARE(c.hostCredibility(QStringLiteral("new")), 0.9); // 1 - f
    c.addTask(t1);
    QCOMPARE(c.replicasWanted(t1), 1); // one at a time
    c.resulted(t1, QStringLiteral("a"), QStringLiteral("x"));
    c.resulted(t1, QStringLiteral("b"), QStringLiteral("x"));
    QCOMPARE(c.state(t1), Certifier::State::Pending); // 0.81 / (0.81 + 0.01) = 0.988 < 0.99
    c.resulted(t1, QStringLiteral("c"), QStringLiteral("x"));
    QCOMPARE(c.state(t1), Certifier::State::Certified); // 0.729 / 0.730
    // A host that passed 5 spot-checks: 1 - 0.1 / (0.9 * 5 * e) = 0.9918: one result is enough.
    for (int i = 0; i < 5; ++i)
        c.spotCheckPassed(QStringLiteral("proven"));
    QVERIFY(qAbs(c.hostCredibility(QStringLiteral("proven")) - 0.99182) < 1e-4);
    c.addTask(QStringLiteral("t2"));
    c.resulted(QStringLiteral("t2"), QStringLiteral("proven"), QStringLiteral("y"));
    QCOMPARE(c.state(QStringLiteral("t2")), Certifier::State::Certified);
    QVERIFY2(c.reason(QStringLiteral("t2")).startsWith(QLatin1String("credibility 0.99")),
        qPrintable(c.reason(QStringLiteral("t2"))));
}

void TstCertifier::credibilityOfDisagreeingGroups()
{
    Certifier c(credibility());
    for (int i = 0; i < 20; ++i)
        c.spotCheckPassed(QStringLiteral("proven"));
    c.addTask(t1);
    c.resulted(t1, QStringLiteral("proven"), QStringLiteral("x"));
    c.resulted(t1, QStringLiteral("new"), QStringLiteral("y"));
    // Only x good: 0.998 * 0.1; only y good: 0.9 * 0.002; x's credibility 0.980: likelier, not yet enough.
    QCOMPARE(c.state(t1), Certifier::State::Pending);
    QCOMPARE(c.replicasWanted(t1), 1);
    c.resulted(t1, QStringLiteral("new2"), QStringLiteral("x"));
    QCOMPARE(c.state(t1), Certifier::State::Certified); // 0.998
    QCOMPARE(c.acceptedKey(t1), QStringLiteral("x"));
    QCOMPARE(c.acceptedHosts(t1), QStringList({ QStringLiteral("new2"), QStringLiteral("proven") }));
    // Out of replicas without a credible result or a majority: in doubt.
    Certifier d(credibility(1e-6));
    d.addTask(t1);
    d.resulted(t1, QStringLiteral("a"), QStringLiteral("1"));
    d.resulted(t1, QStringLiteral("b"), QStringLiteral("2"));
    d.resulted(t1, QStringLiteral("c"), QStringLiteral("3"));
    d.resulted(t1, QStringLiteral("e"), QStringLiteral("4"));
    QCOMPARE(d.state(t1), Certifier::State::InDoubt);
}

void TstCertifier::noneModeTakesOneResult()
{
    CertificationSpec spec;
    spec.mode = CertificationSpec::Mode::None;
    Certifier c(spec);
    c.addTask(t1);
    QCOMPARE(c.replicasWanted(t1), 1);
    c.resulted(t1, QStringLiteral("a"), QStringLiteral("x"));
    QCOMPARE(c.state(t1), Certifier::State::Certified);
}

QTEST_GUILESS_MAIN(TstCertifier)
#include "tst_certifier.moc"
