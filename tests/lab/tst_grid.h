#pragma once

// The grid layer's lab test (tests/lab/tst_grid.cpp, tst_grid_owner.cpp): shared by its two files.
#include "grid/sandboxprocesses.h"
#include "labgrid.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <cerrno>
#include <csignal>
#include <memory>

namespace gridtest {

inline const QString master = QStringLiteral("master");
inline const QString pub = QStringLiteral("pub");
inline const QString cone = QStringLiteral("hcone");
inline const QString sym = QStringLiteral("hsym");
inline const QStringList volunteers { pub, cone, sym };
inline const QString workerComm = QStringLiteral("work_queue_work");
constexpr quint16 managerPort = 9123;
inline const QString policy = QStringLiteral(R"({"format":"pvc-policy-1","rules":[
    {"from":"group:volunteer","to":"group:master","proto":"tcp","ports":"9123"},
    {"from":"any","to":"any","proto":"tcp","ports":"6881"},
    {"from":"any","to":"any","proto":"icmp"}]})");

inline QString str(const QJsonObject& object, const char* key)
{
    return object.value(QLatin1String(key)).toString();
}

inline QByteArray sha256Of(const QByteArray& bytes)
{
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex();
}

inline QByteArray readFile(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

inline bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(bytes) != bytes.size())
        return false;
    file.close();
    return QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadOther);
}

inline bool processGone(qint64 pid)
{
    return ::kill(pid_t(pid), 0) != 0 && errno == ESRCH;
}

// One task of a batch: a command, its input and output files (paths on the master's side).
inline QJsonObject task(const QString& tag, const QString& command, const QJsonArray& inputs, const QJsonArray& outputs,
    const QString& feature = {})
{
    QJsonObject object { { QStringLiteral("tag"), tag }, { QStringLiteral("command"), command },
        { QStringLiteral("inputs"), inputs }, { QStringLiteral("outputs"), outputs } };
    if (!feature.isEmpty())
        object.insert(QStringLiteral("feature"), feature);
    return object;
}

inline QJsonObject file(const QString& local, const QString& remote)
{
    return QJsonObject { { QStringLiteral("local"), local }, { QStringLiteral("remote"), remote } };
}

} // namespace gridtest

class TstGrid : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void cleanupTestCase();

    void managerPortClosedOffOverlay();
    void workRunsAcrossNats();
    void sandboxHolds();
    void coresHold();
    void pauseAndResume();
    void throttleHolds();
    void badInputFromManager();
    void diskAndProcessCapsHold();
    void tasksShareTheCache();
    void lostVolunteerLosesNothing();

private:
    // Starts pvc-wqmanager on the master with the batch; the caller waits with finishBatch().
    QProcess* startBatch(const QString& name, const QJsonArray& tasks);
    // Waits for the manager to end; its report, or an empty object (the test has failed).
    QJsonObject finishBatch(QProcess* manager, const QString& name, int timeoutMs);
    QJsonObject runBatch(const QString& name, const QJsonArray& tasks, int timeoutMs);
    // The worker of a volunteer, as pvcd reports it.
    QJsonObject worker(const QString& node) { return m_grid->status(node).value(QLatin1String("worker")).toObject(); }
    bool waitForWorkerState(const QString& node, const QString& state, int timeoutMs);
    // Independently of pvcd: the sandbox's processes, found from its bwrap PID in /proc.
    std::unique_ptr<pvc::core::SandboxProcesses> sandbox(const QString& node);

    std::unique_ptr<pvc::test::LabNetwork> m_lab;
    std::unique_ptr<pvc::test::LabGrid> m_grid;
    QString m_work;
};
