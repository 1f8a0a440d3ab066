#pragma once

#include "common/result.h"
#include "connectivity/upnpigd.h"
#include "connectivity/upnpmapper.h"

#include <QLoggingCategory>
#include <memory>
#include <optional>

namespace pvc::core {

Q_DECLARE_LOGGING_CATEGORY(lcUpnp)

// The mapping policy of UpnpMapper, one IGD at a time: which external port to ask for, what lease to
// accept, which mappings from an earlier run are ours to remove, how to renew and how to tell that the
// router lost the mapping. The WANIPConnection actions it uses are those of UPnP IGD 1.0/2.0
// (section 2.4); the retries, pauses and the thread are UpnpWorker's. Every call blocks on the router.
class UpnpPortMapping {
public:
    enum class Health { Held, Lost, Unreachable };

    UpnpPortMapping(std::unique_ptr<UpnpIgd> igd, QString description, quint16 internalPort, int requestedLeaseSeconds);

    // Finds the IGD and our address on its LAN; errors as UpnpIgd::discover.
    Result<QHostAddress> discover(int timeoutMs);
    // Removes the mappings a pvcd that was killed left behind.
    void reclaimStale();
    // Maps UDP preferredPort (or another free one) to our internal port. Errors: upnp.igd_unreachable,
    // upnp.mapping_refused, upnp.no_external_address.
    bool map(quint16 preferredPort, Error* error);
    // Refreshes the lease: 0, or the UPnP code (negative: unreachable), after which the mapping is gone.
    int renew();
    // Whether the router still holds our mapping.
    Health check();
    // Forgets the mapping without asking the router (it lost it, or stopped answering).
    void forget() { m_mapping.reset(); }
    // Deletes our mapping from the router.
    void release();

    const std::optional<UpnpMapper::Mapping>& mapping() const { return m_mapping; }

private:
    int addElsewhere(quint16* external, int lease);
    bool complete(quint16 external, int lease, Error* error);

    std::unique_ptr<UpnpIgd> m_igd;
    const QString m_description;
    const quint16 m_internalPort;
    const int m_requestedLease;
    QHostAddress m_lanAddress;
    std::optional<UpnpMapper::Mapping> m_mapping;
    bool m_permanentOnly = false;
};

} // namespace pvc::core
