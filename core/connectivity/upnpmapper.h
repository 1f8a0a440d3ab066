#pragma once

#include <QHostAddress>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

namespace pvc::core {

class UpnpIgd;
struct UpnpWorkerLink;

// Keeps one UDP port mapping on the LAN's UPnP Internet Gateway Device, so that peers can reach
// pvcd's tunnel port directly (docs/connectivity.md, "UPnP IGD"). A worker thread (UpnpWorker) does the
// blocking UPnP calls: discovery, removal of the mappings a killed pvcd left behind, the mapping itself,
// its renewal at half the lease and a check every 30 s that the router still has it (the policy is
// UpnpPortMapping's). Results come back to this object's thread by queued invocation.
class UpnpMapper : public QObject {
    Q_OBJECT
public:
    struct Mapping {
        QHostAddress externalAddress;
        quint16 externalPort = 0;
        quint16 internalPort = 0;
        QHostAddress internalAddress;
        int leaseSeconds = 0; // granted; 0 when the router only grants permanent mappings
    };

    // description: recognisable, e.g. "pvc <machine-name>"; every mapping we make carries it. Characters
    // outside [A-Za-z0-9 ._-] become '_' and it is cut to 60 characters, as routers keep short ASCII.
    explicit UpnpMapper(const QString& description, QObject* parent = nullptr);
    // For tests: another IGD than miniupnpc's, and shorter periods.
    struct Tuning {
        std::function<std::unique_ptr<UpnpIgd>()> makeIgd; // empty: miniupnpc
        int discoveryTimeoutMs = 2000;
        int requestedLeaseSeconds = 3600;
        std::chrono::milliseconds checkInterval { 30000 };
        std::chrono::milliseconds firstRetry { 10000 }; // doubled after each failure, up to lastRetry
        std::chrono::milliseconds lastRetry { 300000 };
    };
    UpnpMapper(const QString& description, Tuning tuning, QObject* parent = nullptr);
    ~UpnpMapper() override; // stop()

    // Asynchronous: discover the IGD, remove stale mappings, map, renew. Restarts if already started.
    void start(quint16 internalUdpPort);
    // Deletes our mapping and returns within a few seconds even if the router does not answer.
    void stop();

    QString description() const { return m_description; }
    std::optional<Mapping> mapping() const { return m_mapping; }
    // {"state": "off|discovering|mapped|unavailable|failed", "external": "ip:port" or "", "lease_s": N,
    //  "error": "" or a code such as "upnp.no_igd", and "detail" with the error's text}
    QJsonObject statusJson() const;

Q_SIGNALS:
    // Mapped, lost, or mapped again with another external address or port.
    void mappingChanged();

private:
    friend class UpnpWorker; // posts its Reports to handleReport
    enum class State { Off, Discovering, Mapped, Unavailable, Failed };
    struct Report; // upnpworker.h

    void handleReport(const Report& report);
    void shutDown(bool notify);

    QString m_description;
    Tuning m_tuning;
    std::shared_ptr<UpnpWorkerLink> m_link;
    std::thread m_thread;
    quint64 m_generation = 0;
    State m_state = State::Off;
    std::optional<Mapping> m_mapping;
    QString m_error;
    QString m_detail;
};

} // namespace pvc::core
