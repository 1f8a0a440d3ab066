// TCP paths for tunnels when either side's network drops UDP (docs/connectivity.md, "TCP paths"):
// TCP hole punching by simultaneous open, coordinated over the peer session (which itself crosses
// the broker). Until it works, and if it never does, the tunnel stays on the TCP relay inside the
// peer session. On the punched connection each sealed tunnel datagram travels as a frame
// (tunnel/tcpframes.h); the datagrams authenticate themselves, so the connection needs no other
// protection.
#include "common/logging.h"
#include "connectivity/helperclient.h"
#include "connectivity/tcppunch.h"
#include "coordinator/tunnelmanager.h"
#include "coordinator/tunnelpathsutil.h"
#include "ipc/frame.h"
#include "security/peersession.h"
#include "tunnel/dataplane.h"
#include "tunnel/tcpframes.h"

#include <QJsonArray>
#include <QNetworkInterface>
#include <QTcpSocket>
#include <QtEndian>
#include <arpa/inet.h>
#include <unistd.h>

namespace pvc::core {

using namespace tunnelpaths;

namespace {
constexpr qint64 TcpFirstAttemptDelayMs = 500; // the peer's tunnel-info may still be on its way
constexpr qint64 TcpRetryMs = 30000; // after a failed attempt, doubled up to TcpMaxRetryMs
constexpr qint64 TcpMaxRetryMs = 300000;
constexpr int TcpPunchTimeoutMs = 5000;
constexpr int TtcpTimeoutMs = 8000;
constexpr qint64 MaxTcpBacklogBytes = 512 * 1024;

QList<TcpEndpoint> tcpCandidates(const QStringList& addresses, quint16 port)
{
    QList<TcpEndpoint> out;
    for (const QString& text : addresses) {
        const QHostAddress address(text);
        const TcpEndpoint endpoint { address, port };
        if (address.protocol() == QAbstractSocket::IPv4Protocol && port && !out.contains(endpoint))
            out.append(endpoint);
    }
    return out;
}
} // namespace

// Only the TLS client of the peer session starts, so the two sides never race with two attempts.
void TunnelManager::maybeStartTcp(const QString& name, Tunnel& tunnel, qint64 now)
{
    if (tunnel.path == Path::Direct || tunnel.path == Path::DirectTcp || tunnel.tcpPunch || !tunnel.session
        || !tunnel.session->isTlsClient() || (udpWorks() && tunnel.peerUdp))
        return;
    if (tunnel.nextTcpAttemptMs == 0)
        tunnel.nextTcpAttemptMs = tunnel.startedMs + TcpFirstAttemptDelayMs;
    if (now < tunnel.nextTcpAttemptMs)
        return;
    tunnel.nextTcpAttemptMs = now + std::min(TcpMaxRetryMs, TcpRetryMs << std::min(tunnel.tcpAttempts, 4));
    ++tunnel.tcpAttempts;
    startTcpPunch(name, tunnel, 0);
}

// peerPort 0: we offer a port and wait for the peer's; otherwise we answer an offer and punch at once.
void TunnelManager::startTcpPunch(const QString& name, Tunnel& tunnel, quint16 peerPort)
{
    if (tunnel.tcpPunch)
        tunnel.tcpPunch->deleteLater();
    auto* punch = new TcpPunch(this);
    tunnel.tcpPunch = punch;
    const auto port = punch->listen(0);
    if (!port) {
        qCWarning(lcDaemon) << "no TCP punching to" << name << ":" << port.error().code << port.error().detail;
        punch->deleteLater();
        return;
    }
    connect(punch, &TcpPunch::succeeded, this, [this, name, punch](const TcpEndpoint& peer) {
        const int fd = punch->takeSocket();
        punch->deleteLater();
        const auto it = m_tunnels.find(name);
        if (it == m_tunnels.end() || it->tcpPunch != punch) {
            ::close(fd);
            return;
        }
        useTcp(name, *it, fd, peer.toString(), QStringLiteral("tcp-punch"));
    });
    connect(punch, &TcpPunch::failed, this, [this, name, punch](const QString& code, const QString& detail) {
        punch->deleteLater();
        qCInfo(lcDaemon) << "TCP hole punching to" << name << "failed:" << code << detail;
        const auto it = m_tunnels.find(name);
        if (it == m_tunnels.end() || it->tcpPunch != punch)
            return;
        it->tcpPunch.clear();
        // Traversing-TCP next, from the side whose own address is reachable (no NAT in front of it).
        const bool weServe = m_local.nat == QLatin1String("none")
            && (it->peerNat != QLatin1String("none") || (it->session && it->session->isTlsClient()));
        if (weServe && m_helper && !it->ttcpTried && it->peerNat != QLatin1String("symmetric"))
            startTtcpServer(name, *it);
        else
            qCInfo(lcDaemon) << "staying on the relay to" << name;
    });
    QJsonObject record = ipc::makeMessage("tunnel-tcp");
    record.insert(QStringLiteral("port"), *port);
    record.insert(QStringLiteral("phase"), peerPort ? QStringLiteral("answer") : QStringLiteral("offer"));
    if (tunnel.session)
        tunnel.session->sendRecord(record);
    if (peerPort) {
        QStringList addresses = tunnel.peerTcpAddresses;
        for (const auto& [address, candidatePort] : std::as_const(tunnel.paths.candidates))
            if (tunnel.candidateKinds.value(endpointText(toSockaddr(address, candidatePort))) == QLatin1String("host"))
                addresses << address.toString();
        punch->start(tcpCandidates(addresses, peerPort), TcpPunchTimeoutMs);
        qCInfo(lcDaemon) << "TCP hole punching to" << name << "from port" << *port << "to port" << peerPort << "of"
                         << addresses;
    }
}

void TunnelManager::handleTcpRecord(const QString& name, Tunnel& tunnel, const QJsonObject& record)
{
    const qint64 port = record.value(QLatin1String("port")).toInteger();
    const QString phase = record.value(QLatin1String("phase")).toString();
    if (port < 1 || port > 65535 || tunnel.path == Path::DirectTcp)
        return;
    if (phase == QLatin1String("offer")) {
        startTcpPunch(name, tunnel, quint16(port)); // we answer with our port and punch at once
    } else if (phase == QLatin1String("answer") && tunnel.tcpPunch && !tunnel.tcpPunch->isRunning()) {
        QStringList addresses = tunnel.peerTcpAddresses;
        for (const auto& [address, candidatePort] : std::as_const(tunnel.paths.candidates))
            if (tunnel.candidateKinds.value(endpointText(toSockaddr(address, candidatePort))) == QLatin1String("host"))
                addresses << address.toString();
        tunnel.tcpPunch->start(tcpCandidates(addresses, quint16(port)), TcpPunchTimeoutMs);
        qCInfo(lcDaemon) << "TCP hole punching to" << name << "from port" << tunnel.tcpPunch->localPort() << "to port"
                         << port << "of" << addresses;
    }
}

void TunnelManager::useTcp(const QString& name, Tunnel& tunnel, int fd, const QString& peer, const QString& technique)
{
    releaseTcp(tunnel);
    auto* socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(fd)) {
        ::close(fd);
        delete socket;
        return;
    }
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    socket->setSocketOption(QAbstractSocket::KeepAliveOption, 1);
    connect(socket, &QTcpSocket::readyRead, this, [this, name] { readTcp(name); });
    connect(socket, &QTcpSocket::disconnected, this, [this, name, socket] {
        const auto it = m_tunnels.find(name);
        if (it == m_tunnels.end() || it->tcp != socket)
            return;
        useStream(name, *it, QStringLiteral("the TCP connection closed"));
    });
    m_dataPlane->setPath(tunnel.localIndex, {}, false, true);
    tunnel.tcp = socket;
    tunnel.tcpFrames = std::make_shared<TcpFrameReader>();
    tunnel.tcpPeer = peer;
    tunnel.path = Path::DirectTcp;
    tunnel.confirmed = false;
    tunnel.pathSinceMs = nowMs();
    tunnel.technique = technique;
    qCInfo(lcDaemon) << "direct TCP path to" << name << "at" << peer << "(" << technique << ") after"
                     << (tunnel.pathSinceMs - tunnel.startedMs) << "ms";
}

// Traversing-TCP (the paper's section 4.4.3), server side: we listen and accept only the peer; the
// peer connects, its helper captures the SYN it sent (which our firewall dropped), the SYN comes to
// us over the peer session, and our helper injects it into our own stack. Our SYN-ACK then leaves
// as the answer of a connection our firewall already tracks, and the peer's NAT knows it too.
QString TunnelManager::peerPublicAddress(const Tunnel& tunnel) const
{
    if (!tunnel.peerTcpAddresses.isEmpty())
        return tunnel.peerTcpAddresses.first();
    const sockaddr_in outside = publicEndpoint(tunnel);
    return outside.sin_port ? QHostAddress(ntohl(outside.sin_addr.s_addr)).toString() : QString();
}

void TunnelManager::startTtcpServer(const QString& name, Tunnel& tunnel)
{
    tunnel.ttcpTried = true;
    const QHostAddress client(peerPublicAddress(tunnel));
    if (client.isNull() || !tunnel.session)
        return;
    auto* wait = new TcpPunch(this);
    const auto port = wait->listen(0);
    const auto allowed = port ? m_helper->allowTtcpPort(*port) : Result<bool>(port.error());
    if (!port || !allowed) {
        qCWarning(lcDaemon) << "no Traversing-TCP to" << name << ":" << allowed.error().code << allowed.error().detail;
        wait->deleteLater();
        return;
    }
    tunnel.tcpPunch = wait;
    connect(wait, &TcpPunch::succeeded, this, [this, name, wait](const TcpEndpoint& peer) {
        const int fd = wait->takeSocket();
        wait->deleteLater();
        const auto it = m_tunnels.find(name);
        if (it == m_tunnels.end() || it->tcpPunch != wait) {
            ::close(fd);
            return;
        }
        it->tcpPunch.clear();
        useTcp(name, *it, fd, peer.toString(), QStringLiteral("ttcp"));
    });
    connect(wait, &TcpPunch::failed, this, [this, name, wait](const QString& code, const QString& detail) {
        wait->deleteLater();
        qCInfo(lcDaemon) << "Traversing-TCP from" << name << "failed:" << code << detail << "; staying on the relay";
        const auto it = m_tunnels.find(name);
        if (it != m_tunnels.end() && it->tcpPunch == wait)
            it->tcpPunch.clear();
    });
    wait->start({ TcpEndpoint { client, 0 } }, TtcpTimeoutMs); // accept-only: the injected SYN's connection
    QJsonObject record = ipc::makeMessage("tunnel-ttcp");
    record.insert(QStringLiteral("phase"), QStringLiteral("offer"));
    record.insert(QStringLiteral("port"), *port);
    tunnel.session->sendRecord(record);
    qCInfo(lcDaemon) << "Traversing-TCP: waiting on port" << *port << "for" << name << "at" << client.toString();
}

void TunnelManager::handleTtcpRecord(const QString& name, Tunnel& tunnel, const QJsonObject& record)
{
    const QString phase = record.value(QLatin1String("phase")).toString();
    if (tunnel.path == Path::DirectTcp || !m_helper)
        return;
    if (phase == QLatin1String("offer")) {
        // We are the client: connect to the peer's address, and hand the SYN our helper saw to the peer.
        const qint64 port = record.value(QLatin1String("port")).toInteger();
        const QHostAddress server(peerPublicAddress(tunnel));
        if (port < 1 || port > 65535 || server.isNull() || tunnel.ttcpClient)
            return;
        tunnel.ttcpTried = true;
        auto* client = new TtcpClient(m_helper.get(), this);
        tunnel.ttcpClient = client;
        if (const auto listening = client->listen(0); !listening) {
            client->deleteLater();
            return;
        }
        connect(client, &TtcpClient::synCaptured, this, [this, name](const QByteArray& packet) {
            const auto it = m_tunnels.find(name);
            if (it == m_tunnels.end() || !it->session)
                return;
            QJsonObject syn = ipc::makeMessage("tunnel-ttcp");
            syn.insert(QStringLiteral("phase"), QStringLiteral("syn"));
            syn.insert(QStringLiteral("packet"), QString::fromLatin1(packet.toBase64()));
            it->session->sendRecord(syn);
        });
        connect(client, &TtcpClient::succeeded, this, [this, name, client](const TcpEndpoint& peer) {
            const int fd = client->takeSocket();
            client->deleteLater();
            const auto it = m_tunnels.find(name);
            if (it == m_tunnels.end() || it->ttcpClient != client) {
                ::close(fd);
                return;
            }
            useTcp(name, *it, fd, peer.toString(), QStringLiteral("ttcp"));
        });
        connect(client, &TtcpClient::failed, this, [name, client](const QString& code, const QString& detail) {
            client->deleteLater();
            qCInfo(lcDaemon) << "Traversing-TCP to" << name << "failed:" << code << detail << "; staying on the relay";
        });
        client->start({ server, quint16(port) }, TtcpTimeoutMs);
    } else if (phase == QLatin1String("syn") && tunnel.tcpPunch) {
        // We are the server: the SYN must be for the port we declared, from the peer as brokers see it.
        const QString text = record.value(QLatin1String("packet")).toString();
        if (text.size() > 256)
            return;
        const QHostAddress client(peerPublicAddress(tunnel));
        const auto syn = rewriteSynForInjection(
            QByteArray::fromBase64(text.toLatin1()), { client, 0 }, QHostAddress(), tunnel.tcpPunch->localPort());
        const auto injected = syn ? m_helper->injectSyn(*syn) : Result<bool>(syn.error());
        if (!injected)
            qCWarning(lcDaemon) << "Traversing-TCP: the SYN from" << name
                                << "was not injected:" << injected.error().code << injected.error().detail;
    }
}

bool TunnelManager::sendTcp(Tunnel& tunnel, const QByteArray& datagram)
{
    if (!tunnel.tcp || tunnel.tcp->state() != QAbstractSocket::ConnectedState)
        return false;
    if (tunnel.tcp->bytesToWrite() > MaxTcpBacklogBytes)
        return true; // dropped, like a full queue
    tunnel.tcp->write(TcpFrameReader::frame(datagram));
    return true;
}

void TunnelManager::readTcp(const QString& name)
{
    const auto it = m_tunnels.find(name);
    if (it == m_tunnels.end() || !it->tcp || !it->tcpFrames)
        return;
    Tunnel& tunnel = *it;
    for (const QByteArray& datagram : tunnel.tcpFrames->feed(tunnel.tcp->readAll())) {
        m_dataPlane->injectDatagram(datagram, tunnel.localIndex);
        tunnel.confirmed = true;
    }
    if (tunnel.tcpFrames->failed()) {
        qCWarning(lcDaemon) << "bad frame on the TCP path to" << name << ": closing it";
        useStream(name, tunnel, QStringLiteral("a bad frame on the TCP path"));
    }
}

void TunnelManager::releaseTcp(Tunnel& tunnel)
{
    if (tunnel.tcp) {
        tunnel.tcp->disconnect(this);
        tunnel.tcp->abort();
        tunnel.tcp->deleteLater();
    }
    tunnel.tcp.clear();
    tunnel.tcpFrames.reset();
    tunnel.tcpPeer.clear();
}

} // namespace pvc::core
