#pragma once

#include "grid/sandboxspec.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QProcess>
#include <memory>

class QFile;
class QTimer;

namespace pvc::core {

class SandboxProcesses;

// Supervises one membership's Work Queue worker in its sandbox (docs/grid.md): starts it while
// the host is a member and the owner's policy lets the grid run, restarts it with backoff when it
// dies, applies the owner's decision to its whole process tree (pause and the throttle's duty
// cycle by SIGSTOP/SIGCONT of every process of the sandbox, cores by restarting the worker), and
// stops it, tasks included, when the owner pauses for good, leaves or quits.
class WorkerSupervisor : public QObject {
    Q_OBJECT
public:
    enum class State { Stopped, Connecting, Idle, Busy, Paused, Finishing };

    // What the worker may do now: the owner's decision (grid/ownerpolicy.h) in the worker's terms.
    struct Allowance {
        bool run = false; // false: no worker at all
        int cores = 0;
        int throttlePercent = 100; // CPU share of each core, 100: full speed
        bool paused = false; // keep the worker but stop all its processes
        bool acceptsNewWork = true;
        int memoryMb = 0; // the worker's and each task's memory cap, 0: none
        int diskMb = 0; // what the worker reports and keeps to, 0: not given
        bool operator==(const Allowance&) const = default;
        // What the worker reads only at start: a change restarts it.
        bool sameStart(const Allowance& other) const
        {
            return cores == other.cores && memoryMb == other.memoryMb && diskMb == other.diskMb;
        }
    };

    static constexpr int SampleIntervalMs = 500;
    static constexpr int ThrottlePeriodMs = 1000;
    static constexpr int MinBackoffMs = 1000;
    static constexpr int MaxBackoffMs = 60000;
    static constexpr int StopGraceMs = 2000; // after SIGKILL to all: gone well within 5 s
    static constexpr int CoresChangeDeadlineMs = 60000;
    static constexpr qint64 MaxLogBytes = 1024 * 1024;
    static constexpr int LogGenerations = 3;
    static constexpr int DiskCheckEverySamples = 4; // every 2 s
    static constexpr int MaxDiskEntries = 200000;

    // `spec` gives the programs and paths; hostName, features and cores are set per start.
    WorkerSupervisor(const SandboxSpec& spec, const QString& logPath, QObject* parent);
    ~WorkerSupervisor() override;

    void setMember(const QString& name, const QStringList& features);
    void clearMember();
    void setAllowance(const Allowance& allowance);
    void setManagerName(const QString& manager) { m_manager = manager; }
    void setManagerConnected(bool connected);
    // Test builds only: see SandboxSpec::saboteurShell. Before the worker starts.
    void setSaboteurShell(const QString& path) { m_spec.saboteurShell = path; }

    State state() const { return m_state; }
    static QString stateName(State state);
    int runningTasks() const { return m_runningTasks; }
    // CPU seconds the worker and its tasks used since pvcd started; never goes down.
    double cpuSeconds() const { return m_cpuBase + m_cpuLive; }
    qint64 workerPid() const;
    // The "worker" object of pvcd's status (docs/protocol.md, "Control API").
    QJsonObject statusJson() const;
    // Stops the worker and its tasks now, within 5 s, blocking; for pvcd's exit.
    void shutdown();

Q_SIGNALS:
    void stateChanged();
    void tasksRunningChanged(bool running);

private:
    void reconcile();
    void startWorker();
    void stopWorker();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void sample();
    // Stops the running tasks when the worker's directory holds more than the owner's disk share.
    void checkDisk();
    qint64 biggestTask() const;
    void applyThrottle();
    void setFrozen(bool frozen);
    void updateState();
    void appendLog(const QByteArray& bytes);
    void rotateLog();

    SandboxSpec m_spec;
    QString m_logPath;
    QString m_name;
    QStringList m_features;
    QString m_manager;
    Allowance m_allowance;
    Allowance m_started;
    QProcess* m_process = nullptr;
    std::unique_ptr<SandboxProcesses> m_processes;
    std::unique_ptr<QFile> m_log;
    QTimer* m_sampler;
    QTimer* m_throttle;
    QTimer* m_restart;
    QElapsedTimer m_coresChanged;
    State m_state = State::Stopped;
    bool m_frozen = false;
    bool m_throttleOn = false;
    bool m_stopping = false;
    bool m_managerConnected = false;
    int m_backoffMs = MinBackoffMs;
    int m_runningTasks = 0;
    QList<qint64> m_taskPids;
    qint64 m_tasksDone = 0;
    int m_samples = 0;
    qint64 m_diskBytes = 0;
    qint64 m_tasksStoppedForDisk = 0;
    double m_cpuBase = 0;
    double m_cpuLive = 0;
    QString m_lastError;
};

} // namespace pvc::core
