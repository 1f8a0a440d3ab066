// Issue 5, check 1: the Join screen, driven offscreen against a real pvcd, broker and master on
// loopback. A good token makes the machine a member and the page shows its virtual IP; a bad token
// shows the words of app/common/errortext (in English or French) and the machine stays out.
#include "appicons.h"
#include "controlconnection.h"
#include "joinpage.h"
#include "localization.h"
#include "projectinfo.h"
#include "testgrid.h"

#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using pvc::app::ControlConnection;
using pvc::app::JoinPage;
using pvc::app::ProjectInfo;
using pvc::test::TestGrid;

class TstJoinPage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void goodTokenBecomesMember();
    void badTokenShowsTheErrorAndChangesNothing_data();
    void badTokenShowsTheErrorAndChangesNothing();
    void installerTokenIsUsedWithoutTyping();

private:
    static bool startGrid(TestGrid& grid, const QString& host);
};

void TstJoinPage::initTestCase()
{
    pvc::app::initTrayResources();
}

void TstJoinPage::cleanup()
{
    pvc::app::installTranslations(QLocale(QLocale::English));
}

bool TstJoinPage::startGrid(TestGrid& grid, const QString& host)
{
    return grid.init(1) && grid.startBroker(0) && grid.startMaster() && grid.startHost(host);
}

void TstJoinPage::goodTokenBecomesMember()
{
    pvc::app::installTranslations(QLocale(QLocale::English));
    TestGrid grid;
    QVERIFY(startGrid(grid, QStringLiteral("alice")));
    const QString token = grid.invite();
    QVERIFY(token.startsWith(QLatin1String("pvc1-")));

    ControlConnection connection(grid.controlPath(QStringLiteral("alice")), nullptr);
    connection.start();
    JoinPage page(&connection, ProjectInfo::load(grid.projectFile()));
    page.show();
    QSignalSpy joined(&page, &JoinPage::joined);

    // The project comes from the installer's bundle.
    QVERIFY(page.findChild<QLabel*>(QStringLiteral("joinTitle"))->text().contains(QLatin1String("Test Grid")));
    auto* join = page.findChild<QPushButton*>(QStringLiteral("joinButton"));
    QTRY_VERIFY_WITH_TIMEOUT(join->isEnabled(), 10000);

    auto* name = page.findChild<QLineEdit*>(QStringLiteral("machineNameEdit"));
    name->clear();
    QTest::keyClicks(name, QStringLiteral("alice"));
    QTest::keyClicks(page.findChild<QLineEdit*>(QStringLiteral("tokenEdit")), token);
    QTest::mouseClick(join, Qt::LeftButton);
    QVERIFY(!join->isEnabled()); // no second join while this one runs

    auto* result = page.findChild<QLabel*>(QStringLiteral("joinResultLabel"));
    QTRY_VERIFY_WITH_TIMEOUT(result->isVisible(), 30000);
    const QJsonObject status = grid.status(QStringLiteral("alice"));
    QCOMPARE(status.value(QLatin1String("state")).toString(), QStringLiteral("member"));
    const QString address = status.value(QLatin1String("virtual_ip")).toString();
    QVERIFY(address.startsWith(QLatin1String("240.9.")));
    QVERIFY2(result->text().contains(address), qPrintable(result->text()));
    QVERIFY(result->text().contains(QLatin1String("alice")));
    QVERIFY(!page.findChild<QLabel*>(QStringLiteral("joinErrorLabel"))->isVisible());
    QCOMPARE(joined.count(), 1);
}

void TstJoinPage::badTokenShowsTheErrorAndChangesNothing_data()
{
    QTest::addColumn<QString>("language");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<QString>("joinWord");
    // The words of app/common/errortext.cpp for enrol.token_invalid, and of the Join button.
    QTest::newRow("en") << QStringLiteral("en") << QStringLiteral("The invite token is not valid for this project.")
                        << QStringLiteral("Join");
    QTest::newRow("fr") << QStringLiteral("fr")
                        << QStringLiteral("Le jeton d'invitation n'est pas valable pour ce projet.")
                        << QStringLiteral("Rejoindre");
}

void TstJoinPage::badTokenShowsTheErrorAndChangesNothing()
{
    QFETCH(QString, language);
    QFETCH(QString, expected);
    QFETCH(QString, joinWord);
    pvc::app::installTranslations(QLocale(language));

    TestGrid grid;
    QVERIFY(startGrid(grid, QStringLiteral("bob")));
    // A well-formed token with the right id and a wrong secret: only the master can refuse it.
    QString token = grid.invite();
    token.chop(32);
    token += QStringLiteral("A").repeated(32);

    ControlConnection connection(grid.controlPath(QStringLiteral("bob")), nullptr);
    connection.start();
    JoinPage page(&connection, ProjectInfo::load(grid.projectFile()));
    page.show();
    auto* join = page.findChild<QPushButton*>(QStringLiteral("joinButton"));
    QCOMPARE(join->text(), joinWord);
    QTRY_VERIFY_WITH_TIMEOUT(join->isEnabled(), 10000);
    auto* name = page.findChild<QLineEdit*>(QStringLiteral("machineNameEdit"));
    name->setText(QStringLiteral("bob"));
    QTest::keyClicks(page.findChild<QLineEdit*>(QStringLiteral("tokenEdit")), token);
    QTest::mouseClick(join, Qt::LeftButton);

    auto* error = page.findChild<QLabel*>(QStringLiteral("joinErrorLabel"));
    QTRY_VERIFY_WITH_TIMEOUT(error->isVisible(), 30000);
    QVERIFY2(error->text().contains(expected), qPrintable(error->text()));
    QVERIFY(error->text().contains(QLatin1String("[enrol.token_invalid]")));
    QVERIFY(!page.findChild<QLabel*>(QStringLiteral("joinResultLabel"))->isVisible());
    // Nothing else changed: the user can correct the token and try again, and the host is still out.
    QVERIFY(join->isEnabled());
    QCOMPARE(name->text(), QStringLiteral("bob"));
    const QJsonObject status = grid.status(QStringLiteral("bob"));
    QCOMPARE(status.value(QLatin1String("state")).toString(), QStringLiteral("disconnected"));
    QVERIFY(status.value(QLatin1String("virtual_ip")).toString().isEmpty());
    QVERIFY(!QFile::exists(grid.stateDir(QStringLiteral("bob")) + QStringLiteral("/membership.crt")));
}

void TstJoinPage::installerTokenIsUsedWithoutTyping()
{
    pvc::app::installTranslations(QLocale(QLocale::English));
    QTemporaryDir dir;
    QFile bundle(dir.filePath(QStringLiteral("project.json")));
    QVERIFY(bundle.open(QIODevice::WriteOnly));
    bundle.write(R"({"format":"pvc-project-1","name":"Bundled Grid","domain":"grid.test",
                    "brokers":["127.0.0.1:7400","127.0.0.1:7401"]})");
    bundle.close();
    QFile invite(dir.filePath(QStringLiteral("invite.txt")));
    QVERIFY(invite.open(QIODevice::WriteOnly));
    invite.write("  pvc1-0123456789abcdef-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
    invite.close();

    const ProjectInfo project = ProjectInfo::load(bundle.fileName());
    QVERIFY(project.isValid());
    QCOMPARE(project.inviteToken, QStringLiteral("pvc1-0123456789abcdef-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));

    // No pvcd here: the page still shows the project and says it cannot join yet.
    ControlConnection connection(dir.filePath(QStringLiteral("none.sock")), nullptr);
    connection.start();
    JoinPage page(&connection, project);
    page.show();
    QVERIFY(page.findChild<QLabel*>(QStringLiteral("joinTitle"))->text().contains(QLatin1String("Bundled Grid")));
    auto* tokenEdit = page.findChild<QLineEdit*>(QStringLiteral("tokenEdit"));
    QVERIFY(!tokenEdit->isVisible());
    QCOMPARE(tokenEdit->text(), project.inviteToken);
    QTRY_VERIFY(!connection.lastErrorCode().isEmpty());
    QVERIFY(!page.findChild<QPushButton*>(QStringLiteral("joinButton"))->isEnabled());
}

QTEST_MAIN(TstJoinPage)
#include "tst_joinpage.moc"
