// Issue 15: brokers' TLS certificates are pinned by the project bundle, so a member talks only to its
// project's brokers. The admin pins what pvc-broker --fingerprint prints (pvc-admin init --broker
// ADDR:PORT=SHA256); a broker that presents another certificate is never spoken to.
#include "testgrid.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using pvc::test::TestGrid;

class TstBrokerPinning : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void pinnedBrokersAreUsed();
    void aBrokerWithAnotherCertificateIsRefused();
    void badPinsAreRefusedAtInit();
};

namespace {
QJsonObject brokerEntry(const QJsonObject& status, const QString& address)
{
    for (const QJsonValue& broker : status.value(QLatin1String("brokers")).toArray())
        if (broker.toObject().value(QLatin1String("address")).toString() == address)
            return broker.toObject();
    return {};
}
} // namespace

void TstBrokerPinning::pinnedBrokersAreUsed()
{
    TestGrid grid;
    QVERIFY(grid.startJoinedGrid(2, { QStringLiteral("alice") }));
    const QJsonObject status = grid.status(QStringLiteral("alice"));
    for (const QString& address : grid.brokerAddresses()) {
        QVERIFY(TestGrid::waitFor(
            [&] {
                return brokerEntry(grid.status(QStringLiteral("alice")), address)
                    .value(QLatin1String("connected"))
                    .toBool();
            },
            10000));
        QCOMPARE(brokerEntry(status, address).value(QLatin1String("pinned")).toBool(), true);
    }
    // The same state gives the same fingerprint: the pin holds across broker restarts.
    const auto again = grid.run(QStringLiteral("pvc-broker"),
        { QStringLiteral("--state"), grid.dir() + QStringLiteral("/broker0"), QStringLiteral("--fingerprint") });
    QCOMPARE(again.exitCode, 0);
    QFile bundle(grid.projectFile());
    QVERIFY(bundle.open(QIODevice::ReadOnly));
    const QJsonObject pins
        = QJsonDocument::fromJson(bundle.readAll()).object().value(QLatin1String("broker_pins")).toObject();
    QCOMPARE(pins.value(grid.brokerAddresses().at(0)).toString(), again.out.trimmed());
}

// A bundle whose pin for the first broker is not that broker's certificate (as if a stranger answered at its
// address): pvcd never says hello there, shows why, and works through the second broker.
void TstBrokerPinning::aBrokerWithAnotherCertificateIsRefused()
{
    TestGrid grid;
    QVERIFY(grid.init(2));
    grid.startBroker(0);
    grid.startBroker(1);
    grid.startMaster();
    QFile bundle(grid.projectFile());
    QVERIFY(bundle.open(QIODevice::ReadOnly));
    QJsonObject project = QJsonDocument::fromJson(bundle.readAll()).object();
    QJsonObject pins = project.value(QLatin1String("broker_pins")).toObject();
    pins.insert(grid.brokerAddresses().at(0), QString(64, QLatin1Char('0')));
    project.insert(QStringLiteral("broker_pins"), pins);
    const QString stranger = grid.dir() + QStringLiteral("/stranger-project.json");
    QFile file(stranger);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QJsonDocument(project).toJson());
    file.close();

    grid.startHost(QStringLiteral("alice"), stranger);
    QVERIFY(grid.join(QStringLiteral("alice"), grid.invite(1)));
    QVERIFY(TestGrid::waitFor(
        [&] {
            return brokerEntry(grid.status(QStringLiteral("alice")), grid.brokerAddresses().at(1))
                .value(QLatin1String("connected"))
                .toBool();
        },
        10000));
    const QJsonObject refused = brokerEntry(grid.status(QStringLiteral("alice")), grid.brokerAddresses().at(0));
    QCOMPARE(refused.value(QLatin1String("connected")).toBool(), false);
    QCOMPARE(refused.value(QLatin1String("error")).toString(), QStringLiteral("broker.pin_mismatch"));
    QVERIFY(grid.allLogs().contains(QLatin1String("the project pins 0000")));
}

void TstBrokerPinning::badPinsAreRefusedAtInit()
{
    TestGrid grid;
    for (const QString& pin : { QStringLiteral("xyz"), QString(63, QLatin1Char('a')), QString(65, QLatin1Char('a')) }) {
        const auto init = grid.admin({ QStringLiteral("init"), QStringLiteral("--dir"),
            grid.dir() + QStringLiteral("/m-") + QString::number(pin.size()) + pin.left(1), QStringLiteral("--name"),
            QStringLiteral("P"), QStringLiteral("--broker"), QStringLiteral("127.0.0.1:7000=") + pin });
        QVERIFY2(init.exitCode != 0, qPrintable(pin));
        QVERIFY2(init.err.contains(QLatin1String("64 hex digits")), qPrintable(init.err));
    }
}

QTEST_GUILESS_MAIN(TstBrokerPinning)
#include "tst_brokerpinning.moc"
