#include "security/projectbundle.h"

#include <QDir>
#include <QFile>
#include <QStandardPaths>
#include <QTest>

using namespace pvc::core;

// Where pvcd and pvc-admin look for project.json (ProjectBundle::defaultPath, pathIn): the user's
// config first, then the data directories, then the system's copy.
class TstProjectBundleLocate : public QObject {
    Q_OBJECT
private:
    static bool place(QStandardPaths::StandardLocation location)
    {
        const QString dir = QStandardPaths::writableLocation(location) + QStringLiteral("/pvc");
        QFile file(dir + QStringLiteral("/project.json"));
        return QDir().mkpath(dir) && file.open(QIODevice::WriteOnly) && file.write("{}") == 2;
    }
    static void removeAll()
    {
        for (auto location : { QStandardPaths::GenericConfigLocation, QStandardPaths::GenericDataLocation })
            QDir(QStandardPaths::writableLocation(location) + QStringLiteral("/pvc")).removeRecursively();
    }

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void init() { removeAll(); }
    void cleanupTestCase() { removeAll(); }

    void inDirectory()
    {
        QCOMPARE(ProjectBundle::pathIn(QStringLiteral("/srv/master")), QStringLiteral("/srv/master/project.json"));
    }
    void systemCopyWhenNothingElse()
    {
        QCOMPARE(ProjectBundle::defaultPath(), QStringLiteral("/usr/share/pvc/project.json"));
    }
    void dataThenConfig()
    {
        QVERIFY(place(QStandardPaths::GenericDataLocation));
        const QString data = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
        QCOMPARE(ProjectBundle::defaultPath(), data + QStringLiteral("/pvc/project.json"));
        QVERIFY(place(QStandardPaths::GenericConfigLocation));
        const QString config = QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation);
        QCOMPARE(ProjectBundle::defaultPath(), config + QStringLiteral("/pvc/project.json"));
    }
    void loadOrDefaultNamesThePathItTried()
    {
        const auto missing = ProjectBundle::loadOrDefault(QStringLiteral("/nonexistent/project.json"));
        QCOMPARE(missing.error().code, QStringLiteral("bundle.unreadable"));
        QVERIFY(missing.error().detail.contains(QStringLiteral("/nonexistent/project.json")));
        QVERIFY(place(QStandardPaths::GenericConfigLocation));
        const auto found = ProjectBundle::loadOrDefault({});
        QCOMPARE(found.error().code, QStringLiteral("bundle.malformed")); // "{}" was read from the default path
    }
};

QTEST_GUILESS_MAIN(TstProjectBundleLocate)
#include "tst_projectbundlelocate.moc"
