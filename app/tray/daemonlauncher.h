#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QString>

class QTimer;

namespace pvc::app {

class ControlConnection;

// Starts pvcd for the user when its control socket does not answer, as a detached process that
// outlives the tray. It never waits for pvcd: it watches the connection and, when pvcd does not
// come up, says why (not installed, exited at once with its last log line, or silent).
class DaemonLauncher : public QObject {
    Q_OBJECT
public:
    enum class State { Idle, Starting, Failed, Disabled };

    struct Options {
        QString controlPath;
        QString projectFile; // passed on as --project when set
        bool enabled = true;
    };

    DaemonLauncher(ControlConnection* connection, const Options& options, QObject* parent);

    State state() const { return m_state; }
    // Why the last launch failed, in the user's words.
    QString failure() const { return m_failure; }
    QString logPath() const;

    // pvcd from pvc-tray's own directory, else from the PATH; empty if there is none.
    static QString findPvcd();

public Q_SLOTS:
    void launchNow();

Q_SIGNALS:
    void stateChanged();

private:
    void handleDisconnected();
    void handleConnected();
    void checkLaunch();
    void setState(State state, const QString& failure = {});
    QString lastLogLine() const;

    ControlConnection* m_connection;
    Options m_options;
    State m_state;
    QString m_failure;
    qint64 m_pid = 0;
    QElapsedTimer m_sinceLaunch;
    QTimer* m_relaunchTimer;
    QTimer* m_checkTimer;
};

} // namespace pvc::app
