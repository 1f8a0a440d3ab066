#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <functional>
#include <memory>

namespace pvc::test {

// The output of one run of a pvc binary.
struct RunResult {
    int exitCode = -1;
    QString out;
    QString err;
};

// A whole grid of real processes on loopback for integration tests: pvc-admin (init, invite,
// serve), brokers and pvcd hosts, each with its own state directory and log file under one
// temporary directory. Everything started is killed, by its own QProcess, when the grid is destroyed.
class TestGrid {
public:
    TestGrid();
    ~TestGrid();

    QString dir() const { return m_dir.path(); }
    QString masterDir() const { return dir() + QStringLiteral("/master"); }
    QString projectFile() const { return masterDir() + QStringLiteral("/project.json"); }
    static QString binary(const QString& name);

    // pvc-admin init with `brokers` brokers on free loopback ports, their TLS certificates pinned in the
    // bundle (each broker's identity made first, with pvc-broker --fingerprint) unless told otherwise.
    enum class Pinning { Pinned, Unpinned };
    bool init(int brokers, Pinning pinning = Pinning::Pinned);
    QStringList brokerAddresses() const { return m_brokerAddresses; }

    QProcess* startBroker(int index);
    void stopBroker(int index, bool kill = true);
    QProcess* startMaster();
    // Extra options for every later pvc-admin serve (e.g. --certificate-validity).
    void setMasterOptions(const QStringList& options) { m_masterOptions = options; }
    void stopMaster();
    QString invite(int uses = 1, const QString& ttl = QStringLiteral("1h"));

    // A pvcd named `host` with state in dir()/host and control socket dir()/host.sock.
    QProcess* startHost(const QString& host, const QString& projectFile = {});
    void stopHost(const QString& host, bool kill = true);
    QString controlPath(const QString& host) const { return dir() + QLatin1Char('/') + host + QStringLiteral(".sock"); }
    QString stateDir(const QString& host) const { return dir() + QLatin1Char('/') + host; }

    RunResult run(const QString& binaryName, const QStringList& arguments, int timeoutMs = 60000);
    RunResult pvc(const QString& host, const QStringList& arguments, int timeoutMs = 60000);
    RunResult admin(const QStringList& arguments) { return run(QStringLiteral("pvc-admin"), arguments); }
    QJsonObject status(const QString& host);
    QJsonArray peers(const QString& host);
    QJsonObject peer(const QString& host, const QString& name);

    // Starts master, brokers and hosts, and joins every host with one invite. Returns false with a QWARN on failure.
    bool startJoinedGrid(int brokers, const QStringList& hosts);
    bool join(const QString& host, const QString& token);

    static bool waitFor(const std::function<bool()>& condition, int timeoutMs);
    // Every log line written by every process so far.
    QString allLogs() const;

private:
    QProcess* startProcess(const QString& key, const QString& binaryName, const QStringList& arguments);
    void stopProcess(const QString& key, bool kill);

    QTemporaryDir m_dir;
    QStringList m_brokerAddresses;
    QStringList m_masterOptions;
    QList<QPair<QString, QProcess*>> m_processes;
};

quint16 freeLoopbackPort();

} // namespace pvc::test
