#pragma once

#include <QHash>
#include <QString>
#include <QTimer>
#include <memory>

// The path timer (docs/connectivity.md, "How a tunnel finds its path"): every 250 ms each tunnel
// reads its counters in the data plane and follows PathSelector; then the one birthday probe runs.
namespace pvc::core {

class BirthdayProber;
class DataPlane;
class PeerTunnel;

class PathTimer {
public:
    using Tunnels = QHash<QString, std::shared_ptr<PeerTunnel>>;

    // tunnels: the manager's, read on every tick.
    explicit PathTimer(const Tunnels& tunnels);
    PathTimer(const PathTimer&) = delete;
    PathTimer& operator=(const PathTimer&) = delete;

    // Both outlive the timer's running: stop() before either goes.
    void start(DataPlane* dataPlane, BirthdayProber* birthday);
    void stop();

private:
    void choosePaths();
    // One birthday probe at a time (BirthdayProber); the peer it starts on is asked to spray.
    void runBirthday(qint64 now);

    const Tunnels& m_tunnels;
    DataPlane* m_dataPlane = nullptr;
    BirthdayProber* m_birthday = nullptr;
    QTimer m_timer;
};

} // namespace pvc::core
