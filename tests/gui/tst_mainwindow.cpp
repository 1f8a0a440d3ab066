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

#include <QCheckBox>
#include <QJsonDocument>
#include <QLabel>
#include <QSlider>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
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
    void dataTabAndDataPreferences();

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

// Issue 11: the data preferences on the Computing tab reach pvcd, and the Data tab shows what pvcd's
// BitTorrent session holds: here a file the member published with `pvc publish`.
void TstMainWindow::dataTabAndDataPreferences()
{
    TestGrid grid;
    const QString dave = QStringLiteral("dave");
    QVERIFY(grid.startJoinedGrid(1, { dave }));
    ControlConnection connection(grid.controlPath(dave), nullptr);
    connection.start();
    MainWindow window(&connection, nullptr, ProjectInfo::load(grid.projectFile()));
    window.show();
    window.showTab(MainWindow::Tab::Computing);
    auto* upload = window.findChild<QSpinBox*>(QStringLiteral("uploadSpin"));
    auto* cache = window.findChild<QSpinBox*>(QStringLiteral("cacheMbSpin"));
    auto* seedWhenPaused = window.findChild<QCheckBox*>(QStringLiteral("seedWhenPausedCheck"));
    QVERIFY(upload && cache && seedWhenPaused);
    QTRY_VERIFY_WITH_TIMEOUT(upload->isEnabled() && upload->isVisible(), 10000);
    QCOMPARE(upload->text(), QStringLiteral("no limit"));
    QVERIFY(seedWhenPaused->isChecked());
    upload->setValue(700);
    cache->setValue(5000);
    seedWhenPaused->click();
    QTRY_COMPARE_WITH_TIMEOUT(preferencesFromCli(grid, dave).value(QLatin1String("upload_kibps")).toInt(), 700, 3000);
    QTRY_COMPARE_WITH_TIMEOUT(preferencesFromCli(grid, dave).value(QLatin1String("cache_mb")).toInt(), 5000, 3000);
    QTRY_COMPARE_WITH_TIMEOUT(
        preferencesFromCli(grid, dave).value(QLatin1String("seed_when_paused")).toBool(true), false, 3000);

    window.showTab(MainWindow::Tab::Data);
    auto* transfers = window.findChild<QTreeWidget*>(QStringLiteral("dataTransfers"));
    auto* empty = window.findChild<QLabel*>(QStringLiteral("dataEmpty"));
    auto* summary = window.findChild<QLabel*>(QStringLiteral("dataSummary"));
    QVERIFY(transfers && empty && summary);
    QTRY_VERIFY_WITH_TIMEOUT(empty->isVisible(), 10000);
    QVERIFY(!transfers->isVisible());
    QTRY_VERIFY2_WITH_TIMEOUT(summary->text().contains(QLatin1String("of 5.0 GB")), qPrintable(summary->text()), 5000);

    QTemporaryDir data;
    QFile file(data.filePath(QStringLiteral("genome.fa")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    QVERIFY(file.write(QByteArray(3 * 1000 * 1000, 'A')) > 0);
    file.close();
    const auto published = grid.pvc(dave, { QStringLiteral("publish"), file.fileName() }, 60000);
    QVERIFY2(published.exitCode == 0, qPrintable(published.err));
    QTRY_COMPARE_WITH_TIMEOUT(transfers->topLevelItemCount(), 1, 10000);
    QVERIFY(transfers->isVisible() && !empty->isVisible());
    const QTreeWidgetItem* row = transfers->topLevelItem(0);
    QCOMPARE(row->text(0), QStringLiteral("genome.fa"));
    QTRY_COMPARE_WITH_TIMEOUT(row->text(1), QStringLiteral("Published"), 5000);
    QCOMPARE(row->text(3), QStringLiteral("3.0 MB"));
    QCOMPARE(row->text(2), QStringLiteral("100.0%"));
}

QTEST_MAIN(TstMainWindow)
#include "tst_mainwindow.moc"
