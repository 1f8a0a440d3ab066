#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QDeadlineTimer>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QTimer>
#include <memory>
#include <vector>

class QSocketNotifier;

// TCP paths for networks that drop UDP (DESIGN.md, "Path selection", step 3): TCP hole punching by
// simultaneous open (here), and Traversing-TCP (ttcpclient.h, ttcpsyn.h), which rides on it. What
// works through which NAT, and why: docs/helper.md, "Traversing-TCP".
namespace pvc::core {

struct TcpEndpoint {
    QHostAddress address;
    quint16 port = 0;

    QString toString() const { return address.toString() + QLatin1Char(':') + QString::number(port); }
    friend bool operator==(const TcpEndpoint& a, const TcpEndpoint& b)
    {
        return a.address == b.address && a.port == b.port;
    }
};

// TCP hole punching (paper section 4.4.2): both peers listen on a port and connect() from that same
// port to each other's candidate endpoints at about the same time, as the broker tells them. Each
// outgoing SYN opens the sender's own NAT or firewall for the other's SYN, and the two meet as a
// simultaneous open (RFC 9293 section 3.5) or one side's listener accepts.
//
// Non-blocking, on the caller's thread: sockets are watched with QSocketNotifier and nothing waits.
// A refused or failed connect() is retried at most every RetryIntervalMs per candidate; the kernel
// retransmits a pending SYN meanwhile. Connections accepted from addresses that are not candidates
// are closed. The result is a plain connected TCP socket; who the peer is must still be proven on
// it (mutual TLS), since anyone can claim an address.
//
// Delete it with deleteLater() from a slot connected to its signals.
class TcpPunch : public QObject {
    Q_OBJECT
public:
    static constexpr int DefaultTimeoutMs = 10000;
    static constexpr int RetryIntervalMs = 250;

    explicit TcpPunch(QObject* parent = nullptr);
    ~TcpPunch() override;

    // Listens on `port` of every local address (0: the kernel picks one), with SO_REUSEADDR and
    // SO_REUSEPORT so that the connecting sockets can share the port. Tell the peer this port (as
    // its NAT maps it) before start(). Errors: tcppunch.listen_failed.
    Result<quint16> listen(quint16 port = 0);
    quint16 localPort() const { return m_port; }

    // Punches towards every candidate at once until one connection is up or timeoutMs pass. A
    // candidate with port 0 is only accepted from, never connected to: the Traversing-TCP server
    // waits that way for the connection of the SYN it injected. Ends with succeeded() or failed():
    // tcppunch.not_listening, tcppunch.no_candidates (no IPv4 one), tcppunch.timeout, or
    // tcppunch.failed (every connect() failed, retries are off, and none is accept-only). Always
    // emitted later, never from inside start().
    void start(const QList<TcpEndpoint>& candidates, int timeoutMs = DefaultTimeoutMs);
    // Off: one connect() per candidate, whose SYN the kernel retransmits unchanged. Traversing-TCP
    // relays that SYN, and a new connect() would send another initial sequence number.
    void setRetry(bool retry) { m_retry = retry; }
    // Closes every socket (not one already taken) without emitting anything.
    void stop();
    bool isRunning() const { return m_deadline.isActive(); }

    // After succeeded(): the connected socket, non-blocking and close-on-exec, now the caller's.
    int takeSocket() { return std::exchange(m_connected, -1); }

Q_SIGNALS:
    void succeeded(const pvc::core::TcpEndpoint& peer);
    void failed(const QString& code, const QString& detail);

private:
    struct Attempt;
    void connectTo(Attempt& attempt);
    void handleConnectDone(Attempt& attempt);
    void handleRetryTick();
    void handleIncoming();
    void finish(int fd, TcpEndpoint peer); // a copy: closing the attempts destroys theirs
    void giveUp(const QString& code, const QString& detail);
    void closeAttempt(Attempt& attempt, const QString& error);
    void closeAll();
    QString summary() const;

    int m_listener = -1;
    quint16 m_port = 0;
    bool m_retry = true;
    int m_connected = -1;
    int m_strangers = 0;
    QSocketNotifier* m_listenerNotifier = nullptr;
    std::vector<std::unique_ptr<Attempt>> m_attempts;
    QTimer m_retryTimer;
    QTimer m_deadline;
};

} // namespace pvc::core

// TtcpClient and rewriteSynForInjection, the two sides of Traversing-TCP, were declared here once;
// code that includes this header for them keeps compiling.
#include "connectivity/ttcpclient.h"
#include "connectivity/ttcpsyn.h"
