// Issue 5, check 2: the owner's preferences stick. Moving the cores slider and changing the idle
// minutes in the main window changes `pvc status --json` at once, and the values survive a restart
// of pvcd and of the GUI. Also: the window says so when pvcd is gone, and reconnects when it comes.
#include "appicons.h"
#include "controlconnection.h"
#include "ipc/controlclient.h"
#include "localization.h"
#include "mainwindow.h"
#include "noticebar.h"
#include "projectinfo.h"
#include "testgrid.h"

#include <QJsonDocument>
#include <QSlider>
#include <QSpinBox>
#include <QTabWidget>
#include <QTest>
#include <memory>

using pvc::app::ControlConnection;
using pvc::app::MainWindow;
using pvc::app::ProjectInfo;
using pvc::test::TestGrid;

class TstMainWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void preferencesStick();
    void saysWhenPvcdIsGoneAndReconnects();

private:
    static QJsonObject preferencesFromCli(TestGrid& grid, const QString& host);
};

void TstMainWindow::initTestCase()
{
    pvc::app::initTrayResources();
    pvc::app::installTranslations(QLocale(QLocale::English));
}

// What `pvc status --json` says, as a user would check it.
QJsonObject TstMainWindow::preferencesFromCli(TestGrid& grid, const QString& host)
{
    const auto run = grid.pvc(host, { QStringLiteral("status"), QStringLiteral("--json") });
    return QJsonDocument::fromJson(run.out.toUtf8())
        .object()
        .value(QLatin1String("computing"))
        .toObject()
        .value(QLatin1String("preferences"))
        .toObject();
}

void TstMainWindow::preferencesStick()
{
    TestGrid grid;
    const QString alice = QStringLiteral("alice");
    QVERIFY(grid.startJoinedGrid(1, { alice }));
    const auto probe = pvc::ipc::controlRequest(grid.controlPath(alice), QStringLiteral("get-preferences"), {}, 5000);
    if (!probe.ok && probe.errorCode == QLatin1String("control.unknown_command"))
        QSKIP("this pvcd has no get-preferences/set-preferences yet (control.unknown_command)");
    QVERIFY2(probe.ok, qPrintable(probe.errorCode));

    auto connection = std::make_unique<ControlConnection>(grid.controlPath(alice), nullptr);
    connection->start();
    auto window = std::make_unique<MainWindow>(connection.get(), nullptr, ProjectInfo::load(grid.projectFile()));
    window->show();
    window->showTab(MainWindow::Tab::Computing);
    auto* cores = window->findChild<QSlider*>(QStringLiteral("coresSlider"));
    auto* idle = window->findChild<QSpinBox*>(QStringLiteral("idleMinutesSpin"));
    QVERIFY(cores && idle);
    // The form is enabled once pvcd's preferences are loaded into it.
    QTRY_VERIFY_WITH_TIMEOUT(cores->isEnabled() && idle->isEnabled(), 10000);
    QTRY_COMPARE(window->findChild<QTabWidget*>(QStringLiteral("mainTabs"))->currentIndex(), 1);
    if (cores->maximum() < 2)
        QSKIP("this machine has one core: the slider has nothing to move to");

    const int coresWanted = cores->value() == 1 ? 2 : 1;
    const int idleWanted = idle->value() == 7 ? 8 : 7;
    cores->setFocus();
    QTest::keyClick(cores, coresWanted == 1 ? Qt::Key_Home : Qt::Key_End);
    if (cores->maximum() > 2 && coresWanted == 2)
        cores->setValue(2);
    QCOMPARE(cores->value(), coresWanted);
    idle->setValue(idleWanted);

    // At once: well within a poll of pvcd.
    QTRY_COMPARE_WITH_TIMEOUT(preferencesFromCli(grid, alice).value(QLatin1String("cores")).toInt(), coresWanted, 3000);
    QTRY_COMPARE_WITH_TIMEOUT(
        preferencesFromCli(grid, alice).value(QLatin1String("idle_minutes")).toInt(), idleWanted, 3000);

    // pvcd restarts: the same window reconnects and shows the stored values.
    grid.stopHost(alice, false);
    QTRY_VERIFY_WITH_TIMEOUT(!connection->isConnected(), 5000);
    QVERIFY(grid.startHost(alice));
    QTRY_VERIFY_WITH_TIMEOUT(connection->isConnected(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(cores->isEnabled(), 10000);
    QCOMPARE(preferencesFromCli(grid, alice).value(QLatin1String("cores")).toInt(), coresWanted);
    QCOMPARE(preferencesFromCli(grid, alice).value(QLatin1String("idle_minutes")).toInt(), idleWanted);
    QCOMPARE(cores->value(), coresWanted);
    QCOMPARE(idle->value(), idleWanted);

    // The GUI restarts: a new window loads the same values from pvcd.
    window.reset();
    connection = std::make_unique<ControlConnection>(grid.controlPath(alice), nullptr);
    connection->start();
    window = std::make_unique<MainWindow>(connection.get(), nullptr, ProjectInfo::load(grid.projectFile()));
    window->show();
    cores = window->findChild<QSlider*>(QStringLiteral("coresSlider"));
    idle = window->findChild<QSpinBox*>(QStringLiteral("idleMinutesSpin"));
    QTRY_VERIFY_WITH_TIMEOUT(cores->isEnabled(), 10000);
    QCOMPARE(cores->value(), coresWanted);
    QCOMPARE(idle->value(), idleWanted);
}

void TstMainWindow::saysWhenPvcdIsGoneAndReconnects()
{
    TestGrid grid;
    QVERIFY(grid.init(1));
    const QString carol = QStringLiteral("carol");
    ControlConnection connection(grid.controlPath(carol), nullptr);
    connection.start();
    MainWindow window(&connection, nullptr, ProjectInfo::load(grid.projectFile()));
    window.show();
    auto* notice = window.findChild<pvc::app::NoticeBar*>(QStringLiteral("daemonNotice"));
    QTRY_VERIFY_WITH_TIMEOUT(notice->isVisible(), 5000);
    QVERIFY2(notice->text().contains(QLatin1String("pvcd is not running")), qPrintable(notice->text()));
    QVERIFY(notice->text().contains(grid.controlPath(carol)));

    // pvcd comes up at that path: the window connects by itself and shows the Join screen.
    QVERIFY(grid.startHost(carol));
    QTRY_VERIFY_WITH_TIMEOUT(connection.isConnected(), 10000);
    QTRY_VERIFY(!notice->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(window.isShowingJoinPage(), 5000);
}

QTEST_MAIN(TstMainWindow)
#include "tst_mainwindow.moc"
