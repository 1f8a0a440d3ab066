#include "connectivity/reachability.h"

#include "common/hostport.h"
#include "connectivity/brokerconnection.h"
#include "connectivity/natclassifier.h"
#include "connectivity/upnpmapper.h"
#include "protocol/stun.h"

#include <QSet>
#include <QTimer>

namespace pvc::core {

namespace {
QString endpointText(const QHostAddress& address, quint16 port)
{
    return address.toString() + QLatin1Char(':') + QString::number(port);
}
} // namespace

Reachability::Reachability(bool upnpEnabled, Socket socket, QObject* parent)
    : QObject(parent)
    , m_socket(std::move(socket))
    , m_upnpEnabled(upnpEnabled)
    , m_stunTimer(new QTimer(this))
{
    m_stunTimer->setInterval(StunIntervalMs);
    connect(m_stunTimer, &QTimer::timeout, this, &Reachability::sendStun);
}

Reachability::~Reachability() = default;

void Reachability::start()
{
    m_stunTimer->start();
}

void Reachability::handleWelcome(
    BrokerConnection* broker, const QString& sessionId, bool member, const QString& observedTcp, quint16 stunAltPort)
{
    Observation& observation = m_observations[broker];
    observation.sessionId = sessionId;
    observation.member = member;
    observation.observedTcp = observedTcp;
    observation.stunAltPort = stunAltPort;
}

void Reachability::handleBrokerLost(BrokerConnection* broker)
{
    m_observations.remove(broker);
}

// STUN (RFC 5389) from the tunnel's own UDP socket. The USERNAME names our broker session, which lets
// the broker relay for us; the second port gets no USERNAME, it only tells the NAT's mapping behaviour.
void Reachability::sendStun()
{
    if (!m_socket.isOpen())
        return;
    for (auto it = m_observations.begin(); it != m_observations.end(); ++it) {
        BrokerConnection* broker = it.key();
        Observation& observation = it.value();
        const QHostAddress address(broker->address().host);
        if (observation.sessionId.isEmpty() || !observation.member || address.isNull())
            continue;
        observation.stunTransaction = stun::newTransactionId();
        m_socket.send(stun::encodeBindingRequest(observation.stunTransaction, observation.sessionId), address,
            broker->address().port);
        if (observation.stunAltPort) {
            observation.stunAltTransaction = stun::newTransactionId();
            m_socket.send(stun::encodeBindingRequest(observation.stunAltTransaction, QString()), address,
                observation.stunAltPort);
        }
    }
}

void Reachability::handleStun(const QByteArray& datagram)
{
    const auto message = stun::decode(datagram);
    if (!message || message->type != stun::BindingSuccess)
        return;
    const QString mapped = endpointText(message->mappedAddress, message->mappedPort);
    for (auto it = m_observations.begin(); it != m_observations.end(); ++it) {
        Observation& observation = it.value();
        if (!observation.stunAltTransaction.isEmpty() && observation.stunAltTransaction == message->transactionId) {
            observation.observedUdpAlt = mapped;
            continue;
        }
        if (observation.stunTransaction.isEmpty() || observation.stunTransaction != message->transactionId)
            continue;
        observation.observedUdp = mapped;
        Q_EMIT udpObserved(it.key());
    }
    Q_EMIT stunAnswered();
}

void Reachability::startMapping(const QString& description, quint16 udpPort)
{
    if (!m_upnpEnabled)
        return;
    if (!m_upnp) {
        m_upnp = new UpnpMapper(description, this);
        connect(m_upnp, &UpnpMapper::mappingChanged, this, &Reachability::mappingChanged);
    }
    m_upnp->start(udpPort);
}

void Reachability::stopMapping()
{
    if (m_upnp)
        m_upnp->stop();
}

// Host candidates first, then each distinct broker observation (srflx); a UPnP mapping goes in front,
// replacing the same endpoint seen by a broker.
Reachability::View Reachability::view() const
{
    View view;
    QSet<QString> hosts;
    for (const QString& candidate : m_socket.localCandidates()) {
        view.candidates.append({ candidate, CandidateKind::Host });
        hosts.insert(candidate);
    }
    QStringList observed;
    for (const Observation& observation : m_observations)
        if (!observation.observedUdp.isEmpty())
            observed << observation.observedUdp;
    for (const QString& endpoint : std::as_const(observed))
        if (!hosts.contains(endpoint) && !view.candidates.contains({ endpoint, CandidateKind::Srflx }))
            view.candidates.append({ endpoint, CandidateKind::Srflx });
    if (const auto mapping = m_upnp ? m_upnp->mapping() : std::nullopt) {
        const QString endpoint = endpointText(mapping->externalAddress, mapping->externalPort);
        view.candidates.removeAll({ endpoint, CandidateKind::Srflx });
        view.candidates.prepend({ endpoint, CandidateKind::Upnp });
    }
    view.udp = !observed.isEmpty();
    for (const Observation& observation : m_observations) {
        const auto endpoint = HostPort::parse(observation.observedTcp);
        if (endpoint && !view.tcpAddresses.contains(endpoint->host))
            view.tcpAddresses << endpoint->host;
    }
    // Every observation of the one socket, from each broker's two STUN ports.
    QStringList views = observed;
    for (const Observation& observation : m_observations)
        if (!observation.observedUdpAlt.isEmpty())
            views << observation.observedUdpAlt;
    view.nat = classifyNat(views, hosts);
    return view;
}

void Reachability::describeBroker(BrokerConnection* broker, QJsonObject& entry) const
{
    const Observation observation = m_observations.value(broker);
    if (!observation.observedTcp.isEmpty())
        entry.insert(QStringLiteral("observed_tcp"), observation.observedTcp);
    if (!observation.observedUdp.isEmpty())
        entry.insert(QStringLiteral("observed_udp"), observation.observedUdp);
    if (!observation.observedUdpAlt.isEmpty())
        entry.insert(QStringLiteral("observed_udp_alt"), observation.observedUdpAlt);
}

QJsonObject Reachability::upnpStatusJson() const
{
    return m_upnp ? m_upnp->statusJson() : QJsonObject { { QStringLiteral("state"), QStringLiteral("off") } };
}

} // namespace pvc::core
