// The helpers of tunnelpathsutil.h.
#include "common/clock.h"
#include "connectivity/udpendpoint.h"
#include "coordinator/tunnelpathsutil.h"
#include "protocol/brokerprotocol.h"

#include <QtEndian>

namespace pvc::core {

qint64 tunnelpaths::nowMs()
{
    return Clock::steady().nowMs();
}

RelayTarget tunnelpaths::relayTarget(const PeerPaths& paths)
{
    RelayTarget relay;
    relay.broker = toSockaddr(paths.relayBroker, paths.relayPort);
    relay.prefix = QByteArray(brokerprotocol::RelayHeaderBytes, '\0');
    relay.prefix[0] = char(brokerprotocol::RelayToBroker);
    qToBigEndian<quint32>(paths.relayTag, relay.prefix.data() + 4);
    return relay;
}

} // namespace pvc::core
