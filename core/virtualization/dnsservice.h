#pragma once

#include "virtualization/dnsresponder.h"

#include <QObject>

class QSocketNotifier;

// The virtual DNS on the overlay (docs/protocol.md, section 6): pvc-helper binds port 53 on our virtual
// IP and hands us the socket; this answers the queries that arrive on it from the event loop. Kept
// apart from the tunnel so that the data plane never waits on a name lookup.
namespace pvc::core {

class DnsService : public QObject {
    Q_OBJECT
public:
    // Takes the socket (closed at the end) and makes it non-blocking.
    DnsService(int fd, const QString& domain, DnsResponder::Lookup lookup, QObject* parent = nullptr);
    ~DnsService() override;

private:
    void handleReadable();

    int m_fd;
    DnsResponder m_responder;
    QSocketNotifier* m_notifier;
};

} // namespace pvc::core
