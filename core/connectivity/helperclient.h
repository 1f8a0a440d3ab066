#pragma once

#include "common/result.h"
#include "connectivity/unixfdsocket.h"
#include "ipc/frame.h"

#include <QHostAddress>
#include <QJsonObject>
#include <QString>

namespace pvc::core {

// pvcd's side of pvc-helper (docs/helper.md): the request/reply codec, with blocking calls of 5 s
// each over a Unix socket (UnixFdSocket) that stays open while pvcd runs, since the helper closes
// every TUN device it made for this connection when the connection ends. Error codes are the
// helper's ("helper.bad_name"), plus helper.unreachable, helper.timeout and helper.protocol from this
// side; after the last two the connection is dropped, because its state is no longer known.
class HelperClient {
public:
    HelperClient() = default;
    ~HelperClient();
    HelperClient(const HelperClient&) = delete;
    HelperClient& operator=(const HelperClient&) = delete;

    // Connects and checks that the helper speaks version 1. *error starts with the code.
    bool connectTo(const QString& socketPath, QString* error);
    bool isConnected() const { return m_socket.isOpen(); }
    void disconnect();

    // The caller owns the returned fd (O_CLOEXEC).
    Result<int> openTun(const QString& name, const QString& address, int prefix, int mtu);
    // A UDP socket bound to address:53, where address is that of a TUN opened on this connection.
    Result<int> openDnsSocket(const QString& address);
    bool close(const QString& name);

    // Traversing-TCP (paper section 4.4.3). Each port must carry a listener of ours and no one else's
    // socket; the helper checks, and answers helper.not_yours otherwise.
    // Server side: declare the port TTCP clients connect to (kept until this connection ends), then
    // have the SYN a client relayed injected into this host's stack (see rewriteSynForInjection).
    Result<bool> allowTtcpPort(quint16 port);
    Result<bool> injectSyn(const QByteArray& packet);
    // Client side: arm a capture of our own outgoing SYN from the port to the server's address and port
    // (it lasts 5 s), connect() from that port, then take the SYN; helper.no_syn means it has not been sent
    // yet.
    Result<bool> armSynCapture(quint16 port, const QHostAddress& to, quint16 toPort);
    Result<QByteArray> takeSyn(quint16 port);

    // What the helper passes must be what was asked for: a TUN device of that name, a UDP socket bound to
    // that address and port 53. Anything else is closed and refused (helper.protocol), as is a helper
    // that does not run as root.
    static bool isTunNamed(int fd, const QString& name);
    static bool isDnsSocketOn(int fd, const QString& address);

private:
    // Sends request and waits for its reply. An error reply becomes an Error. A descriptor passed
    // with the reply goes to *fd when fd is given and is closed otherwise.
    Result<QJsonObject> call(const QJsonObject& request, int* fd = nullptr);
    Result<QJsonObject> finish(const QJsonObject& reply, int* fd);
    Result<QJsonObject> fail(const char* code, const QString& detail);

    UnixFdSocket m_socket; // the transport, with the descriptors passed along (SCM_RIGHTS)
    ipc::FrameReader m_reader { 4096 };
};

} // namespace pvc::core
