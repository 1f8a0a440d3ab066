#pragma once

// pvc-helper's per-connection state and limits, shared by helperserver.cpp (the socket, devices, DNS) and
// helperttcp.cpp (Traversing-TCP). Private to the helper.
#include "helperserver.h"
#include "ipc/frame.h"
#include "tundevice.h"
#include "validation.h"

#include <QMap>
#include <QSet>
#include <chrono>
#include <unistd.h>

namespace pvc::helper {

inline constexpr quint32 MaxRequestBytes = 4096;
inline constexpr size_t MaxConnections = 16;
inline constexpr int MaxConnectionsPerUid = 4;
// A connection that holds nothing (no device, port or capture) and says nothing for this long is closed,
// so no caller can sit on the connection slots.
inline constexpr auto IdleTimeout = std::chrono::seconds(30);
inline constexpr int MaxTunsPerConnection = 4;
inline constexpr int MaxTtcpPortsPerConnection = 8;
inline constexpr int MaxCapturesPerConnection = 2;
inline constexpr auto CaptureLifetime = std::chrono::seconds(5);
// Requests that read /proc's socket tables or open capture sockets (ttcp-allow, inject-syn, capture-syn, and
// take-syn when a SYN is there), per uid, in any CostlyWindow: a few per Traversing-TCP attempt.
inline constexpr int MaxCostlyPerUid = 40;
inline constexpr auto CostlyWindow = std::chrono::seconds(10);

using Clock = std::chrono::steady_clock;

inline Reply refusal(const Refusal& refused)
{
    QJsonObject error = ipc::makeMessage("error");
    error.insert(QStringLiteral("code"), refused.code);
    error.insert(QStringLiteral("detail"), refused.detail);
    return { error };
}

struct HelperServer::Connection {
    struct Tun {
        quint32 address;
        int fd;
        int ifindex;
    };
    struct Capture {
        int fd;
        Clock::time_point expiry;
        QSet<quint64> listeners; // the caller's listening sockets on the port when it was armed
        QList<quint32> sources; // this host's addresses when it was armed: a SYN from elsewhere is skipped
    };
    explicit Connection(int socket)
        : fd(socket)
    {
    }
    Connection(const Connection&) = delete; // it owns descriptors
    Connection& operator=(const Connection&) = delete;
    ~Connection()
    {
        for (auto tun = tuns.cbegin(); tun != tuns.cend(); ++tun)
            closeTun(tun->fd, tun->ifindex, tun.key().toLatin1());
        for (const Capture& capture : std::as_const(captures))
            ::close(capture.fd);
        ::close(fd);
    }
    // Captures live CaptureLifetime at most; checked on every request and at the connection's end.
    void expireCaptures()
    {
        for (auto capture = captures.begin(); capture != captures.end();) {
            if (capture->expiry > Clock::now()) {
                ++capture;
                continue;
            }
            ::close(capture->fd);
            capture = captures.erase(capture);
        }
    }

    bool idle() const
    {
        return tuns.isEmpty() && ttcpPorts.isEmpty() && captures.isEmpty() && Clock::now() - lastRequest > IdleTimeout;
    }

    int fd;
    Clock::time_point lastRequest = Clock::now();
    PeerCredentials peer;
    ipc::FrameReader reader { MaxRequestBytes };
    QMap<QString, Tun> tuns;
    QSet<quint16> ttcpPorts;
    QMap<quint16, Capture> captures;
};

} // namespace pvc::helper
