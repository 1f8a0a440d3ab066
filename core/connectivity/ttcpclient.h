#pragma once

#include "common/result.h"
#include "connectivity/tcppunch.h"

#include <QByteArray>
#include <QDeadlineTimer>
#include <QObject>
#include <QTimer>

namespace pvc::core {

class HelperClient;

// The client side of Traversing-TCP (paper section 4.4.3, steps 2 and 3): connect() from a port of
// ours to the server, and have pvc-helper capture the SYN that connect() sent (an unprivileged
// process cannot read its own SYN), for pvcd to relay through the broker to the server's pvcd. The
// server injects it (rewriteSynForInjection, HelperClient::injectSyn) and its SYN-ACK completes our
// connect(). The helper must be connected; its calls are short local round trips.
class TtcpClient : public QObject {
    Q_OBJECT
public:
    // How long the SYN may take to show up in the capture (a rate-limited uplink can hold it back).
    static constexpr int SynWaitMs = 2000;

    explicit TtcpClient(HelperClient* helper, QObject* parent = nullptr);

    // The helper captures only from a port we listen on; errors as TcpPunch::listen.
    Result<quint16> listen(quint16 port = 0) { return m_punch.listen(port); }
    quint16 localPort() const { return m_punch.localPort(); }
    // Ends with succeeded() or failed(): the helper's codes (helper.not_yours, ...), ttcp.no_syn, or
    // TcpPunch's. synCaptured() comes before, as soon as the SYN has been sent, unless the
    // connection is up even sooner (nothing blocked it).
    void start(const TcpEndpoint& server, int timeoutMs = TcpPunch::DefaultTimeoutMs);
    int takeSocket() { return m_punch.takeSocket(); }

Q_SIGNALS:
    void synCaptured(const QByteArray& packet);
    void succeeded(const pvc::core::TcpEndpoint& server);
    void failed(const QString& code, const QString& detail);

private:
    void pollSyn();
    void fail(const QString& code, const QString& detail);

    HelperClient* m_helper;
    TcpPunch m_punch;
    QTimer m_synPoll;
    QDeadlineTimer m_synDeadline;
};

} // namespace pvc::core
