#pragma once

#include "labnetwork.h"
#include "labprocesses.h"
#include "labresolvconf.h"
#include "labtransfer.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <functional>
#include <memory>

namespace pvc::test {

// A whole pvc grid of real processes on a LabNetwork (docs/lab.md), as an admin and volunteers run it:
// the master's directory in a temporary directory, pvc-broker (as nobody) in one or more public nodes,
// `pvc-admin serve` in the master node, and on each member node pvc-helper (root) plus pvcd (nobody),
// joined with `pvc join` (nobody). Every process writes its own log file under dir().
//
// Destroy it before its LabNetwork: it kills every process it started by its PID (SIGKILL, members
// first) and removes the /etc/netns/<namespace>/resolv.conf files it wrote.
class LabGrid {
public:
    explicit LabGrid(LabNetwork& lab, const QString& brokerNode = QStringLiteral("broker"),
        const QString& masterNode = QStringLiteral("master"));
    // Several brokers, one per node, all in the project bundle in this order.
    LabGrid(LabNetwork& lab, const QStringList& brokerNodes, const QString& masterNode = QStringLiteral("master"));
    ~LabGrid();
    LabGrid(const LabGrid&) = delete;
    LabGrid& operator=(const LabGrid&) = delete;

    static constexpr quint16 BrokerPort = 7400;
    static QString binary(const QString& name);
    static QString network() { return QStringLiteral("240.9.0.0/16"); }
    static QString domain() { return QStringLiteral("pvc"); }

    QString dir() const { return m_dir.path(); }
    QString masterDir() const { return dir() + QStringLiteral("/master"); }
    // A world-readable copy of the master's project.json: the bundle an installer ships.
    QString projectFile() const { return dir() + QStringLiteral("/project.json"); }
    QStringList brokerNodes() const { return m_brokerNodes; }
    // "ADDR:PORT" of the first broker, or of the broker in `node`.
    QString brokerAddress() const;
    QString brokerAddress(const QString& node) const;
    // The log key of the broker in `node`: "broker" in a grid of one broker, else the node's name.
    QString brokerKey(const QString& node) const;
    QString error() const { return m_error; }

    // pvc-admin init (every broker), a readable project.json, then the brokers (in parallel) and the online master.
    bool start();
    // SIGKILL to the broker's own PID; waits until it is gone.
    void killBroker(const QString& node);
    // Starts the broker in `node` again with the same state; true once it listens on TCP and UDP.
    bool restartBroker(const QString& node);
    bool brokerRunning(const QString& node) const;
    // Writes `json` to a file and runs `pvc-admin policy set`; a running master publishes it.
    bool setPolicy(const QString& json);
    // pvc-admin invite; empty on failure.
    QString invite(int uses, const QString& group = {});

    // Members whose pvcd runs a Work Queue worker; the others run pvcd --no-worker. Set before starting them.
    void setWorkerNodes(const QStringList& nodes) { m_workerNodes = nodes; }
    // More pvcd options for one node (e.g. --test-saboteur). Set before starting it.
    void setDaemonArguments(const QString& node, const QStringList& arguments) { m_daemonArguments[node] = arguments; }

    // pvc-helper and pvcd in the node's namespace; true once pvcd answers on its control socket.
    bool startMember(const QString& node);
    // The same for several nodes at once: all helpers, then all pvcds, then the wait for every one.
    bool startMembers(const QStringList& nodes);
    // Starts pvcd again with the same state directory (the helper keeps running).
    bool restartDaemon(const QString& node);
    // SIGKILL to pvcd's own PID; waits until it is gone.
    void killDaemon(const QString& node);
    // SIGTERM, as a service manager stops it: true if pvcd exited by itself within timeoutMs.
    bool stopDaemon(const QString& node, int timeoutMs = 5000);
    bool daemonRunning(const QString& node) const;
    // pvc join as nobody; the elapsed time since the join started is joinedFor().
    bool join(const QString& node, const QString& token, const QString& name = {});
    // `pvc join` on every node at once with one token (names are the node names); false if any failed.
    bool joinAll(const QStringList& nodes, const QString& token);
    qint64 joinedFor(const QString& node) const;

    QString stateDir(const QString& node) const { return dir() + QLatin1Char('/') + node + QStringLiteral("-state"); }
    QString runtimeDir(const QString& node) const { return dir() + QLatin1Char('/') + node + QStringLiteral("-run"); }
    QString controlPath(const QString& node) const { return runtimeDir(node) + QStringLiteral("/control.sock"); }
    QString helperSocket(const QString& node) const
    {
        return dir() + QLatin1Char('/') + node + QStringLiteral("-helper.sock");
    }

    // `pvc --control ... ARGS` as nobody in the node's namespace.
    RunResult pvc(const QString& node, const QStringList& arguments, int timeoutMs = 15000);
    QJsonObject status(const QString& node);
    QJsonArray peers(const QString& node);
    QJsonObject peer(const QString& node, const QString& name);
    QString virtualIp(const QString& node);

    // Polls `pvc peers --json` on node until the peer `name` satisfies the condition.
    bool waitForPeer(const QString& node, const QString& name, const std::function<bool(const QJsonObject&)>& condition,
        int timeoutMs);
    bool waitForAuthenticated(const QString& node, const QString& name, int timeoutMs = 20000);
    bool waitForPath(const QString& node, const QString& name, const QString& path, int timeoutMs = 20000);

    // A checksummed TCP transfer over the overlay (labtransfer.h): a socat listener as nobody on `to`, bound to its
    // virtual IP on a port of its own, then a socat client as nobody on `from` sending `source` (see randomFile) to
    // it. Returns once the client runs, or null with error() set. idleTimeoutS bounds a stalled transfer.
    std::unique_ptr<LabTransfer> startTransfer(
        const QString& from, const QString& to, const QString& source, int connectTimeoutS = 10, int idleTimeoutS = 30);
    // startTransfer, then LabTransfer::wait.
    TransferResult transfer(const QString& from, const QString& to, const QString& source, int timeoutMs = 60000);
    // A world-readable file of `size` random bytes under dir(); empty on failure.
    QString randomFile(const QString& name, qint64 size);

    // /etc/netns/<namespace>/resolv.conf: the host's own virtual IP as name server, search <domain>, so
    // that programs run by `ip netns exec` resolve NAME.pvc through pvcd. Removed on destruction.
    bool writeResolvConf(const QString& node);

    // A directory that nobody owns, for files written by processes run as nobody.
    QString nobodyDir(const QString& name);

    // The log of one process (brokerKey(node), "master", "<node>-helper", "<node>-pvcd"), its last lines, and
    // the last lines of every log.
    QString log(const QString& key) const { return m_processes->log(key); }
    QString logTail(const QString& key, int lines = 5) const { return m_processes->logTail(key, lines); }
    QString logTails(int lines = 40) const { return m_processes->logTails(lines); }

    // The PID of every process this grid started, restarts included, for leak checks.
    QList<qint64> startedPids() const { return m_processes->startedPids(); }

    static bool waitFor(const std::function<bool()>& condition, int timeoutMs, int intervalMs = 200);
    // Why the workers' bwrap sandbox cannot be made here (a chroot, or a kernel that forbids unprivileged user
    // namespaces), tried as nobody; empty when it can. Tests that need workers skip, saying so.
    static QString sandboxUnavailable();

private:
    QProcess* startLogged(const QString& key, const QString& node, const QStringList& argv, const QString& asUser);
    // A process in the node's namespace that the caller owns, for short commands run side by side.
    std::unique_ptr<QProcess> launch(const QString& node, const QStringList& argv, const QString& asUser) const
    {
        return m_processes->launch(node, argv, asUser);
    }
    void stopProcess(const QString& key) { m_processes->stop(key); }
    QProcess* process(const QString& key) const { return m_processes->process(key); }
    QProcess* startBroker(const QString& node);
    bool waitForBroker(const QString& node);
    QProcess* startHelper(const QString& node);
    QProcess* launchDaemon(const QString& node);
    bool waitForDaemons(const QStringList& nodes, int timeoutMs);
    bool startDaemon(const QString& node);
    bool chownNobody(const QString& path);
    // The virtual IP of a member, asked once.
    QString cachedVirtualIp(const QString& node);

    LabNetwork& m_lab;
    QStringList m_brokerNodes;
    QStringList m_workerNodes;
    QHash<QString, QStringList> m_daemonArguments;
    QString m_masterNode;
    QTemporaryDir m_dir;
    QString m_error;
    std::unique_ptr<LabProcesses> m_processes; // after m_dir: its logs live there, and it goes first
    QHash<QString, QElapsedTimer> m_joinStarted;
    LabResolvConf m_resolvConf;
    QHash<QString, QString> m_virtualIps;
    int m_transfers = 0;
};

} // namespace pvc::test
