#pragma once

#include <QString>
#include <QStringList>
#include <functional>
#include <netinet/in.h>
#include <optional>
#include <vector>

// Birthday probing from behind our symmetric NAT (docs/connectivity.md, "Symmetric NAT"): 256
// extra sockets each probe the peer's public endpoint once a second for 10 s while the peer sprays
// random ports of ours; a port one of our sockets mapped and the peer hit gets through both NATs.
// The sockets are many and costly, so one peer at a time is probed and the others wait in a queue.
namespace pvc::core {

class DataPlane;

class BirthdayProber {
public:
    static constexpr int Sockets = 256;
    static constexpr qint64 DurationMs = 10000;
    static constexpr qint64 RoundMs = 1000;

    // What a tick needs of a peer's tunnel; nullopt: the tunnel is gone.
    struct Peer {
        quint32 localIndex = 0;
        bool direct = false; // the tunnel found a direct path already
        int directSocket = -1; // the socket it uses: kept when the probing ends
        sockaddr_in target {}; // the peer's public endpoint; port 0: unknown
    };
    using Lookup = std::function<std::optional<Peer>(const QString& name)>;

    // The data plane owns the sockets once added: it closes the rest at its end.
    explicit BirthdayProber(DataPlane& dataPlane);

    void enqueue(const QString& peer); // once: a peer queued or being probed is not added again
    // One path tick: a probing round, the end of a probe, or the start of the next one. Returns the
    // peer whose probing started now: it must be asked to spray (tunnel-punch), or an empty string.
    QString tick(qint64 now, const Lookup& lookup);
    // The tunnel moved to a direct path (keepSocket: the extra socket it uses, -1: none) or went.
    void finish(const QString& peer, int keepSocket);
    void forget(const QString& peer);

private:
    void end(int keepSocket);
    void start(const QString& peer, const sockaddr_in& target, qint64 now);

    DataPlane& m_dataPlane;
    QString m_peer; // empty: not probing
    std::vector<int> m_sockets;
    sockaddr_in m_target {};
    qint64 m_untilMs = 0;
    qint64 m_nextRoundMs = 0;
    QStringList m_queue;
};

} // namespace pvc::core
