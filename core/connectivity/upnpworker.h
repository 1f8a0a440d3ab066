#pragma once

#include "common/result.h"
#include "connectivity/upnpmapper.h"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace pvc::core {

class UpnpPortMapping;

// What UpnpMapper and its worker thread share. The mapper may leave before the worker ends (stop()
// gives up waiting for a router that does not answer), so neither owns it alone.
struct UpnpWorkerLink {
    std::mutex mutex;
    std::condition_variable wake;
    UpnpMapper* owner = nullptr; // cleared when stop() begins: nothing is posted to the owner after that
    bool stopRequested = false;
    bool finished = false;
};

// A state change, posted to the mapper's thread.
struct UpnpMapper::Report {
    quint64 generation = 0;
    State state = State::Off;
    std::optional<Mapping> mapping;
    QString error;
    QString detail;
};

// The thread of one UpnpMapper::start(): keeps the mapping up through UpnpPortMapping, pausing between
// tries (doubling after each failure), renewing at half the lease and checking every checkInterval,
// until stop(). It owns the IGD connection and shares only the link with the mapper.
class UpnpWorker {
public:
    using Clock = std::chrono::steady_clock;

    UpnpWorker(std::shared_ptr<UpnpWorkerLink> link, quint64 generation, QString description, quint16 internalPort,
        UpnpMapper::Tuning tuning);
    ~UpnpWorker();

    // Until stop() is requested; then deletes the mapping and marks the link finished.
    void run();

private:
    using State = UpnpMapper::State;
    // What the loop does after a step.
    enum class Next { Again, Pause, Wait };

    Next connect();
    Next map();
    Next renew();
    Next check();

    bool stopRequested();
    // False when stop() asked the worker to finish.
    bool sleepUntil(Clock::time_point until);
    bool sleepAfterFailure();
    void report(State state, const Error& error = {});

    std::shared_ptr<UpnpWorkerLink> m_link;
    const quint64 m_generation;
    const QString m_description;
    const quint16 m_internalPort;
    const UpnpMapper::Tuning m_tuning;
    std::unique_ptr<UpnpPortMapping> m_mapping; // made on the worker thread, where the IGD is used
    bool m_connected = false;
    quint16 m_preferredPort = 0;
    Clock::time_point m_renewAt = Clock::time_point::max();
    int m_failures = 0;
};

} // namespace pvc::core
