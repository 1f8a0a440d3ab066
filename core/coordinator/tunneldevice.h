#pragma once

#include "virtualization/dnsresponder.h"

#include <QString>
#include <QStringList>
#include <memory>

// The host's end of the overlay (DESIGN.md, "Data plane"): the TUN device and the virtual DNS socket
// that pvc-helper opens for us (we run without privileges), and the tunnel's UDP socket. Without a
// helper a socketpair stands in for the device: the tunnels still form, no program can use them.
namespace pvc::core {

class DnsService;
class HelperClient;

class TunnelDevice {
public:
    struct Settings {
        QString helperSocket; // empty: no helper, no device
        QString interfaceName;
        int mtu = 1380;
        quint16 udpPort = 0; // 0: any
        QString virtualIp;
        int prefix = 16;
        QString domain;
    };

    TunnelDevice();
    ~TunnelDevice(); // closes everything; the helper drops the device when its connection closes
    TunnelDevice(const TunnelDevice&) = delete;
    TunnelDevice& operator=(const TunnelDevice&) = delete;

    // Errors as "code: detail". On failure what was opened stays open until the destructor.
    bool open(const Settings& settings, DnsResponder::Lookup lookup, QString* error);

    int tunFd() const { return m_tunFd; }
    int udpFd() const { return m_udpFd; }
    quint16 udpPort() const { return m_udpPort; }
    HelperClient* helper() const { return m_helper.get(); }
    bool hasDns() const { return m_dns != nullptr; }
    // Our local addresses with the UDP port, which peers may try directly ("ip:port").
    QStringList localCandidates() const;

private:
    bool openTun(const Settings& settings, DnsResponder::Lookup lookup, QString* error);
    bool openUdpSocket(quint16 port, QString* error);

    std::unique_ptr<HelperClient> m_helper;
    std::unique_ptr<DnsService> m_dns;
    int m_tunFd = -1;
    int m_placeholderFd = -1; // the other end of a socketpair standing in for a TUN without helper
    int m_udpFd = -1;
    quint16 m_udpPort = 0;
};

} // namespace pvc::core
