#include "coordinator/peerdirectory.h"

#include "common/jsonfields.h"
#include "common/logging.h"
#include "connectivity/brokerconnection.h"
#include "coordinator/peercertificates.h"
#include "coordinator/relaystream.h"
#include "security/peersession.h"

#include <QHostAddress>
#include <QPointer>
#include <QTimer>

namespace pvc::core {

PeerDirectory::PeerDirectory(const ProjectBundle& bundle, QObject* parent)
    : QObject(parent)
    , m_bundle(bundle)
    , m_maintenance(new QTimer(this))
{
    // Sessions that failed are retried from here, so a lost broker or a restarted peer heals by itself.
    m_maintenance->setInterval(1000);
    connect(m_maintenance, &QTimer::timeout, this, &PeerDirectory::maintain);
    m_maintenance->start();
}

PeerDirectory::~PeerDirectory() = default;

void PeerDirectory::setIdentity(const QString& name, const QByteArray& certificatePem, const QByteArray& privatePem)
{
    m_name = name;
    m_certificatePem = certificatePem;
    m_privatePem = privatePem;
}

void PeerDirectory::clearIdentity()
{
    for (auto& [name, peer] : m_peers)
        dropSession(peer, QStringLiteral("peer.left"), true);
    m_peers.clear();
    m_name.clear();
    m_certificatePem.clear();
    m_privatePem.clear();
}

void PeerDirectory::setRevocations(const RevocationList& list)
{
    m_revocations = list;
    for (auto& [name, peer] : m_peers)
        if (peer.session && isRevoked(peer))
            dropSession(peer, QStringLiteral("peer.revoked"), true);
}

bool PeerDirectory::isRevoked(const Peer& peer) const
{
    return peer.certificateError.isEmpty() && m_revocations.contains(peer.info.serialHex);
}

void PeerDirectory::handlePresence(BrokerConnection* broker, const QJsonObject& message)
{
    const QString name = str(message, "name");
    if (name.isEmpty() || name == m_name || name.size() > 63)
        return;
    Peer& peer = m_peers[name];
    peer.name = name;
    const QByteArray certificate = str(message, "cert").toLatin1();
    if (certificate != peer.certificatePem) {
        peer.certificatePem = certificate;
        const auto verified = peercertificates::verifyAnnounced(certificate, name, m_bundle.caCertificatePem);
        peer.certificateError = verified ? QString() : verified.error().code;
        if (verified)
            peer.info = *verified;
        if (!peer.certificateError.isEmpty())
            qCWarning(lcPeer) << "broker" << broker->address().toString() << "announced" << name
                              << "with a certificate we refuse:" << peer.certificateError;
        if (peer.session)
            dropSession(peer, QStringLiteral("peer.certificate_changed"), true);
    }
    const QDateTime seen = QDateTime::fromString(str(message, "last_seen"), Qt::ISODate);
    if (seen.isValid() && (!peer.lastSeen.isValid() || seen > peer.lastSeen))
        peer.lastSeen = seen;
    if (message.value(QLatin1String("online")).toBool()) {
        peer.onlineVia.insert(broker);
        peer.relayTags.insert(broker, quint32(message.value(QLatin1String("relay_tag")).toInteger()));
        peer.observedUdp.insert(broker, str(message, "udp"));
    } else {
        peer.onlineVia.remove(broker);
        peer.relayTags.remove(broker);
        peer.observedUdp.remove(broker);
    }
    maintain();
}

void PeerDirectory::handleBrokerLost(BrokerConnection* broker)
{
    m_ownRelayTags.remove(broker);
    for (auto& [name, peer] : m_peers) {
        peer.onlineVia.remove(broker);
        peer.relayTags.remove(broker);
        peer.observedUdp.remove(broker);
        if (peer.session && peer.sessionBroker == broker)
            dropSession(peer, QStringLiteral("relay.broker_lost"), false);
    }
}

void PeerDirectory::maintain()
{
    if (m_name.isEmpty())
        return;
    for (auto& [name, peer] : m_peers) {
        if (peer.session || peer.onlineVia.isEmpty() || !peer.certificateError.isEmpty() || isRevoked(peer))
            continue;
        // One side opens: the one whose name sorts first. The other waits for its relay-open.
        if (m_name < name)
            openSession(peer);
    }
}

PeerSession* PeerDirectory::makeSession(Peer& peer, BrokerConnection* broker, const QString& streamId, bool client)
{
    TlsSession::Config config;
    config.role = client ? TlsSession::Role::Client : TlsSession::Role::Server;
    config.certificatePem = m_certificatePem;
    config.privatePem = m_privatePem;
    config.caCertificatePem = m_bundle.caCertificatePem;
    config.expectedPeerIp = peer.info.virtualIp;
    auto tls = TlsSession::create(config);
    if (!tls) {
        peer.lastError = tls.error().code;
        return nullptr;
    }
    auto* session = new PeerSession(peer.name, std::move(tls).value(), relaystream::sender(broker, streamId),
        peercertificates::identityCheck(peer.name, &m_revocations), this);
    session->setBacklogProbe(
        [broker = QPointer<BrokerConnection>(broker)] { return broker ? broker->pendingBytes() : 0; });
    session->setTlsClient(client);
    peer.session = session;
    peer.streamId = streamId;
    peer.sessionBroker = broker;
    m_streams.insert(streamId, peer.name);
    const QString name = peer.name;
    connect(session, &PeerSession::authenticated, this, [this, name] {
        Peer& p = m_peers[name];
        p.lastError.clear();
        p.authenticatedAt = QDateTime::currentDateTimeUtc();
        Q_EMIT peerAuthenticated(name, p.session, QHostAddress(p.info.virtualIp).toIPv4Address(), p.info.groups);
    });
    connect(session, &PeerSession::recordReceived, this,
        [this, name](const QJsonObject& record) { Q_EMIT peerRecordReceived(name, m_peers[name].session, record); });
    connect(session, &PeerSession::closed, this,
        [this, name](const QString& code) { dropSession(m_peers[name], code, true); });
    return session;
}

void PeerDirectory::openSession(Peer& peer)
{
    BrokerConnection* broker = nullptr;
    for (BrokerConnection* candidate : std::as_const(peer.onlineVia))
        if (candidate->isConnected() && (!broker || candidate->address().toString() < broker->address().toString()))
            broker = candidate;
    if (!broker)
        return;
    const QString streamId = relaystream::newId();
    PeerSession* session = makeSession(peer, broker, streamId, true);
    if (!session)
        return;
    broker->send(relaystream::open(streamId, peer.name));
    session->start();
}

void PeerDirectory::handleRelayOpen(BrokerConnection* broker, const QJsonObject& message)
{
    const QString streamId = str(message, "stream");
    const QString from = str(message, "from");
    auto refuse = [&](const char* code) { broker->send(relaystream::close(streamId, QString::fromLatin1(code))); };
    const auto it = m_peers.find(from);
    if (m_name.isEmpty() || it == m_peers.end() || !it->second.certificateError.isEmpty() || isRevoked(it->second))
        return refuse("peer.unknown");
    Peer& peer = it->second;
    if (peer.session)
        dropSession(peer, QStringLiteral("peer.replaced"), true);
    if (PeerSession* session = makeSession(peer, broker, streamId, false))
        session->start();
    else
        refuse("peer.tls_setup");
}

void PeerDirectory::handleRelayData(BrokerConnection*, const QJsonObject& message)
{
    const auto it = m_peers.find(m_streams.value(str(message, "stream")));
    if (it != m_peers.end() && it->second.session)
        it->second.session->handleCiphertext(QByteArray::fromBase64(str(message, "data").toLatin1()));
}

void PeerDirectory::handleRelayClose(BrokerConnection*, const QJsonObject& message)
{
    const auto it = m_peers.find(m_streams.value(str(message, "stream")));
    if (it != m_peers.end())
        dropSession(it->second,
            str(message, "error").isEmpty() ? QStringLiteral("relay.closed") : str(message, "error"), false);
}

void PeerDirectory::dropSession(Peer& peer, const QString& code, bool tellBroker)
{
    if (!peer.session)
        return;
    PeerSession* session = std::exchange(peer.session, nullptr);
    if (tellBroker && peer.sessionBroker)
        peer.sessionBroker->send(relaystream::close(peer.streamId, code));
    m_streams.remove(peer.streamId);
    peer.streamId.clear();
    peer.sessionBroker = nullptr;
    peer.lastError = code;
    peer.authenticatedAt = {};
    session->disconnect(this);
    session->handleTransportClosed(code);
    session->deleteLater();
    Q_EMIT peerSessionEnded(peer.name);
}

QString PeerDirectory::statusOf(const Peer& peer) const
{
    if (!peer.certificateError.isEmpty())
        return QStringLiteral("rejected");
    if (isRevoked(peer))
        return QStringLiteral("revoked");
    if (peer.session && peer.session->isAuthenticated() && peer.authenticatedAt.isValid())
        return QStringLiteral("authenticated");
    if (peer.onlineVia.isEmpty())
        return QStringLiteral("offline");
    return QStringLiteral("connecting");
}

QJsonArray PeerDirectory::toJson() const
{
    QJsonArray peers;
    for (const auto& [name, peer] : m_peers) {
        const QString status = statusOf(peer);
        QJsonObject entry { { QStringLiteral("name"), name }, { QStringLiteral("status"), status },
            { QStringLiteral("authenticated"), status == QLatin1String("authenticated") },
            { QStringLiteral("online"), !peer.onlineVia.isEmpty() },
            { QStringLiteral("last_seen"), peer.lastSeen.toString(Qt::ISODate) } };
        if (peer.certificateError.isEmpty()) {
            entry.insert(QStringLiteral("virtual_ip"), peer.info.virtualIp);
            entry.insert(QStringLiteral("serial"), peer.info.serialHex);
        }
        if (status == QLatin1String("authenticated")) {
            entry.insert(QStringLiteral("via"), peer.sessionBroker->address().toString());
            entry.insert(QStringLiteral("rtt_ms"), qRound(peer.session->rttMs() * 100) / 100.0);
            entry.insert(QStringLiteral("authenticated_at"), peer.authenticatedAt.toString(Qt::ISODate));
        }
        const QString error = !peer.certificateError.isEmpty() ? peer.certificateError
            : status == QLatin1String("revoked")               ? QStringLiteral("peer.revoked")
                                                               : peer.lastError;
        if (!error.isEmpty() && status != QLatin1String("authenticated"))
            entry.insert(QStringLiteral("error"), error);
        peers.append(entry);
    }
    return peers;
}

void PeerDirectory::renewSession(const QString& name)
{
    const auto it = m_peers.find(name);
    if (it != m_peers.end() && it->second.session)
        dropSession(it->second, QStringLiteral("peer.rekey"), true);
}

std::optional<quint32> PeerDirectory::addressOf(const QString& name) const
{
    const auto it = m_peers.find(name);
    if (it == m_peers.end() || !it->second.certificateError.isEmpty() || isRevoked(it->second))
        return std::nullopt;
    return QHostAddress(it->second.info.virtualIp).toIPv4Address();
}

void PeerDirectory::setOwnRelayTag(BrokerConnection* broker, quint32 tag)
{
    m_ownRelayTags.insert(broker, tag);
}

TunnelManager::PeerPaths PeerDirectory::pathsFor(const QString& name) const
{
    TunnelManager::PeerPaths paths;
    const auto it = m_peers.find(name);
    if (it == m_peers.end())
        return paths;
    const Peer& peer = it->second;
    for (const QString& observed : peer.observedUdp) {
        const auto endpoint = HostPort::parse(observed);
        const QHostAddress address(endpoint ? endpoint->host : QString());
        if (!address.isNull() && !paths.candidates.contains({ address, endpoint->port }))
            paths.candidates.append({ address, endpoint->port });
    }
    // A broker relays between two members whose UDP endpoints it observed: both must have a tag there.
    for (auto tag = peer.relayTags.cbegin(); tag != peer.relayTags.cend(); ++tag) {
        BrokerConnection* broker = tag.key();
        const QHostAddress address(broker->address().host);
        if (tag.value() && m_ownRelayTags.value(broker) && broker->isConnected() && !address.isNull()
            && (!paths.relayTag || broker->address().toString() < paths.relayBroker.toString())) {
            paths.relayBroker = address;
            paths.relayPort = broker->address().port;
            paths.relayTag = tag.value();
        }
    }
    return paths;
}

void PeerDirectory::ping(const QString& name, std::function<void(double, QString)> done)
{
    const auto it = m_peers.find(name);
    if (it == m_peers.end())
        return done(-1, QStringLiteral("peer.unknown"));
    if (statusOf(it->second) != QLatin1String("authenticated"))
        return done(-1, QStringLiteral("peer.not_authenticated"));
    it->second.session->ping([done](double ms) { done(ms, ms < 0 ? QStringLiteral("peer.timeout") : QString()); });
}

} // namespace pvc::core
