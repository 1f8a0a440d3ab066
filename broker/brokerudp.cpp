// The broker's UDP side (docs/protocol.md 2.8, 2.9): STUN answers on its port and on the second
// STUN port, the UDP endpoints members are seen at, and the relay of sealed datagrams.
#include "brokerserver.h"
#include "protocol/brokerprotocol.h"
#include "protocol/stun.h"

#include <QNetworkDatagram>
#include <QUdpSocket>
#include <QtEndian>

namespace pvc::broker {

void BrokerServer::handleDatagrams()
{
    while (m_udp->hasPendingDatagrams()) {
        const QNetworkDatagram datagram = m_udp->receiveDatagram(core::brokerprotocol::MaxRelayDatagramBytes + 1);
        const QHostAddress sender(datagram.senderAddress().toIPv4Address());
        const QString endpoint = sender.toString() + QLatin1Char(':') + QString::number(datagram.senderPort());
        const QByteArray data = datagram.data();
        if (!data.isEmpty() && quint8(data[0]) == core::brokerprotocol::RelayToBroker) {
            relayDatagram(data, endpoint);
            continue;
        }
        const auto request = core::stun::decode(data);
        if (!request || request->type != core::stun::BindingRequest)
            continue;
        m_udp->writeDatagram(core::stun::encodeBindingSuccess(request->transactionId, sender, datagram.senderPort()),
            datagram.senderAddress(), quint16(datagram.senderPort()));
        // A USERNAME naming a session ties this public UDP endpoint to that member.
        m_hub.observeUdpEndpoint(request->username, endpoint);
    }
}

// The last-resort path (DESIGN.md, Data plane): a member's sealed datagram goes to another member
// of the same project through this broker. Only members whose UDP endpoint the broker observed may
// send, and the payload is end-to-end sealed, so the broker forwards bytes it cannot read.
void BrokerServer::relayDatagram(const QByteArray& datagram, const QString& senderEndpoint)
{
    using namespace core::brokerprotocol;
    if (datagram.size() <= RelayHeaderBytes || datagram.size() > MaxRelayDatagramBytes)
        return;
    const auto route = m_hub.relayRoute(senderEndpoint, qFromBigEndian<quint32>(datagram.constData() + 4));
    if (!route)
        return;
    QByteArray out = datagram;
    out[0] = char(RelayFromBroker);
    qToBigEndian<quint32>(route->fromTag, out.data() + 4);
    const qsizetype colon = route->toEndpoint.lastIndexOf(QLatin1Char(':'));
    m_udp->writeDatagram(out, QHostAddress(route->toEndpoint.left(colon)), route->toEndpoint.mid(colon + 1).toUShort());
    ++m_relayedDatagrams;
}

void BrokerServer::handleAltStun()
{
    while (m_stunAlt->hasPendingDatagrams()) {
        const QNetworkDatagram datagram = m_stunAlt->receiveDatagram(core::stun::MaxMessageBytes + 1);
        const auto request = core::stun::decode(datagram.data());
        if (!request || request->type != core::stun::BindingRequest)
            continue;
        const QHostAddress sender(datagram.senderAddress().toIPv4Address());
        m_stunAlt->writeDatagram(
            core::stun::encodeBindingSuccess(request->transactionId, sender, quint16(datagram.senderPort())),
            datagram.senderAddress(), quint16(datagram.senderPort()));
    }
}

} // namespace pvc::broker
