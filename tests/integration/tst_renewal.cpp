// Issue 15, certificates that do not expire under the volunteers: with certificates that last 12 s
// (pvc-admin serve --certificate-validity), members renew through the brokers, keep their virtual IP and
// their sessions across several lifetimes; a host that was off past its expiry comes back without an invite;
// a member that cannot reach the master notices the expiry and says so; a revoked host's renewal is refused.
#include "testgrid.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QSet>
#include <QTest>

using pvc::test::TestGrid;

namespace {
constexpr int ValiditySeconds = 12;

QString field(const QJsonObject& object, const char* key)
{
    return object.value(QLatin1String(key)).toString();
}

QString renewalError(const QJsonObject& status)
{
    return field(
        status.value(QLatin1String("certificate_renewal")).toObject().value(QLatin1String("error")).toObject(), "code");
}
} // namespace

class TstRenewal : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void membersRenewAcrossLifetimes();
    void hostOffPastExpiryComesBack();
    void expiryIsNoticedWhileRunning();
    void revokedHostCannotRenew();

private:
    std::unique_ptr<TestGrid> m_grid;
    const QString alice = QStringLiteral("alice");
    const QString bob = QStringLiteral("bob");
};

void TstRenewal::init()
{
    m_grid = std::make_unique<TestGrid>();
    m_grid->setMasterOptions({ QStringLiteral("--certificate-validity"), QString::number(ValiditySeconds) });
    QVERIFY(m_grid->startJoinedGrid(1, { alice, bob }));
    QVERIFY(TestGrid::waitFor(
        [&] { return field(m_grid->peer(alice, bob), "status") == QLatin1String("authenticated"); }, 15000));
}

void TstRenewal::cleanup()
{
    m_grid.reset();
}

// Four lifetimes: the state never leaves "member", the serial changes every time, the address never does,
// and the members still reach each other at the end.
void TstRenewal::membersRenewAcrossLifetimes()
{
    const QString address = field(m_grid->status(alice), "virtual_ip");
    QVERIFY(!address.isEmpty());
    QSet<QString> serials;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 4 * ValiditySeconds * 1000) {
        for (const QString& host : { alice, bob }) {
            const QJsonObject status = m_grid->status(host);
            QCOMPARE(field(status, "state"), QStringLiteral("member"));
            QVERIFY(QDateTime::fromString(field(status, "certificate_expires"), Qt::ISODate)
                > QDateTime::currentDateTimeUtc());
            if (host == alice) {
                serials.insert(field(status, "serial"));
                QCOMPARE(field(status, "virtual_ip"), address);
            }
        }
        QTest::qWait(500);
    }
    qInfo("alice held %lld certificates in %lld ms", qlonglong(serials.size()), timer.elapsed());
    QVERIFY2(serials.size() >= 4, qPrintable(QStringLiteral("%1 serials").arg(serials.size())));
    QCOMPARE(m_grid->pvc(alice, { QStringLiteral("ping"), bob }).exitCode, 0);
    QCOMPARE(field(m_grid->peer(bob, alice), "status"), QStringLiteral("authenticated"));
    const auto shown = m_grid->pvc(alice, { QStringLiteral("status") });
    QVERIFY2(shown.out.contains(QLatin1String("Membership: valid until")), qPrintable(shown.out));
}

// A host that was off while its certificate ran out starts as "expired", renews through a guest session,
// and is a member again with the same address, without an invite.
void TstRenewal::hostOffPastExpiryComesBack()
{
    const QString address = field(m_grid->status(bob), "virtual_ip");
    m_grid->stopHost(bob, false);
    QTest::qWait((ValiditySeconds + 3) * 1000);
    m_grid->startHost(bob);
    QVERIFY(TestGrid::waitFor([&] { return field(m_grid->status(bob), "state") == QLatin1String("member"); }, 20000));
    QCOMPARE(field(m_grid->status(bob), "virtual_ip"), address);
    QVERIFY(m_grid->allLogs().contains(QLatin1String("membership renewed")));
    QVERIFY(TestGrid::waitFor(
        [&] { return field(m_grid->peer(alice, bob), "status") == QLatin1String("authenticated"); }, 20000));
    QCOMPARE(m_grid->pvc(bob, { QStringLiteral("ping"), alice }).exitCode, 0);
}

// Without a master nothing can renew: pvcd sees the end come, says "expired" with the reason, and renews
// as soon as the master is back.
void TstRenewal::expiryIsNoticedWhileRunning()
{
    m_grid->stopMaster();
    QVERIFY(TestGrid::waitFor([&] { return field(m_grid->status(alice), "state") == QLatin1String("expired"); },
        (ValiditySeconds + 5) * 1000));
    const QJsonObject expired = m_grid->status(alice);
    QCOMPARE(field(expired.value(QLatin1String("error")).toObject(), "code"), QStringLiteral("member.expired"));
    QCOMPARE(renewalError(expired), QStringLiteral("renew.no_master"));
    const auto shown = m_grid->pvc(alice, { QStringLiteral("status") });
    QVERIFY2(shown.out.contains(QLatin1String("expired")), qPrintable(shown.out));
    m_grid->startMaster();
    QVERIFY(TestGrid::waitFor([&] { return field(m_grid->status(alice), "state") == QLatin1String("member"); }, 20000));
    QVERIFY(renewalError(m_grid->status(alice)).isEmpty());
    QVERIFY(TestGrid::waitFor(
        [&] {
            return m_grid->pvc(alice, { QStringLiteral("ping"), bob }).exitCode == 0;
        },
        20000));
}

// Revoked while off: the host never saw the list, so it asks to renew, and the master refuses.
void TstRenewal::revokedHostCannotRenew()
{
    m_grid->stopHost(bob, false);
    QCOMPARE(
        m_grid->admin({ QStringLiteral("revoke"), QStringLiteral("--dir"), m_grid->masterDir(), bob }).exitCode, 0);
    QTest::qWait((ValiditySeconds + 2) * 1000);
    m_grid->startHost(bob);
    QVERIFY(
        TestGrid::waitFor([&] { return renewalError(m_grid->status(bob)) == QLatin1String("renew.revoked"); }, 20000));
    QVERIFY(field(m_grid->status(bob), "state") != QLatin1String("member"));
    QCOMPARE(m_grid->pvc(alice, { QStringLiteral("ping"), bob }).exitCode == 0, false);
}

QTEST_GUILESS_MAIN(TstRenewal)
#include "tst_renewal.moc"
