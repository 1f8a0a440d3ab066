#include "connectivity/birthdayprober.h"

#include "common/logging.h"
#include "connectivity/udpendpoint.h"
#include "tunnel/dataplane.h"

#include <sys/socket.h>
#include <unistd.h>

namespace pvc::core {

BirthdayProber::BirthdayProber(DataPlane& dataPlane)
    : m_dataPlane(dataPlane)
{
}

void BirthdayProber::enqueue(const QString& peer)
{
    if (!m_queue.contains(peer) && m_peer != peer)
        m_queue.append(peer);
}

void BirthdayProber::finish(const QString& peer, int keepSocket)
{
    if (!m_peer.isEmpty() && m_peer == peer)
        end(keepSocket);
}

void BirthdayProber::forget(const QString& peer)
{
    finish(peer, -1);
    m_queue.removeAll(peer);
}

QString BirthdayProber::tick(qint64 now, const Lookup& lookup)
{
    if (!m_peer.isEmpty()) {
        const auto peer = lookup(m_peer);
        if (!peer || peer->direct) {
            end(peer ? peer->directSocket : -1);
            return {};
        }
        if (now > m_untilMs) {
            qCInfo(lcDaemon) << "birthday probing toward" << m_peer << "found no way through; staying relayed";
            end(-1);
            return {};
        }
        if (now >= m_nextRoundMs) {
            m_nextRoundMs = now + RoundMs;
            for (const int fd : m_sockets)
                m_dataPlane.probe(peer->localIndex, m_target, fd);
        }
        return {};
    }
    while (!m_queue.isEmpty()) {
        const QString name = m_queue.takeFirst();
        const auto peer = lookup(name);
        if (!peer || peer->direct || peer->target.sin_port == 0)
            continue;
        start(name, peer->target, now);
        return name;
    }
    return {};
}

void BirthdayProber::start(const QString& peer, const sockaddr_in& target, qint64 now)
{
    m_peer = peer;
    m_target = target;
    m_untilMs = now + DurationMs;
    m_nextRoundMs = now;
    const sockaddr_in any = toSockaddr(QHostAddress::AnyIPv4, 0);
    for (int i = 0; i < Sockets; ++i) {
        const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            break;
        if (::bind(fd, reinterpret_cast<const sockaddr*>(&any), sizeof(any)) != 0) {
            ::close(fd);
            break;
        }
        m_dataPlane.addSocket(fd);
        m_sockets.push_back(fd);
    }
    qCInfo(lcDaemon) << "behind a symmetric NAT: probing" << peer << "at" << endpointText(target) << "from"
                     << m_sockets.size() << "sockets";
}

void BirthdayProber::end(int keepSocket)
{
    for (const int fd : m_sockets)
        if (fd != keepSocket)
            m_dataPlane.removeSocket(fd);
    m_sockets.clear();
    m_peer.clear();
}

} // namespace pvc::core
