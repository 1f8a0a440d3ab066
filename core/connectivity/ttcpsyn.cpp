#include "connectivity/ttcpsyn.h"

#include "common/inetchecksum.h"

#include <QtEndian>

namespace pvc::core {

Result<QByteArray> rewriteSynForInjection(
    const QByteArray& syn, const TcpEndpoint& client, const QHostAddress& local, quint16 port)
{
    constexpr int IpBytes = 20;
    auto* ip = reinterpret_cast<const uchar*>(syn.constData());
    // What the helper will check in full; here only what the rewrite relies on.
    if (syn.size() < IpBytes + 20 || syn.size() > 80 || ip[0] != 0x45 || ip[9] != 6
        || qFromBigEndian<quint16>(ip + 2) != syn.size() || (ip[IpBytes + 13] & 0x17) != 0x02
        || qFromBigEndian<quint16>(ip + IpBytes + 2) != port)
        return makeError("ttcp.bad_syn", QStringLiteral("not an IPv4 TCP SYN to port %1").arg(port));
    if (client.address.protocol() != QAbstractSocket::IPv4Protocol
        || (!local.isNull() && local.protocol() != QAbstractSocket::IPv4Protocol))
        return makeError("ttcp.bad_syn", QStringLiteral("addresses must be IPv4"));

    QByteArray packet = syn;
    auto* out = reinterpret_cast<uchar*>(packet.data());
    qToBigEndian<quint32>(client.address.toIPv4Address(), out + 12);
    if (!local.isNull())
        qToBigEndian<quint32>(local.toIPv4Address(), out + 16);
    if (client.port != 0)
        qToBigEndian<quint16>(client.port, out + IpBytes);
    qToBigEndian<quint16>(0, out + 10);
    qToBigEndian<quint16>(internetChecksum(out, IpBytes), out + 10);
    // The TCP checksum covers the pseudo-header of RFC 9293 section 3.1.
    const int tcpBytes = int(packet.size()) - IpBytes;
    quint32 pseudo = 6 + quint32(tcpBytes);
    for (int i = 12; i < 20; i += 2)
        pseudo += qFromBigEndian<quint16>(out + i);
    qToBigEndian<quint16>(0, out + IpBytes + 16);
    qToBigEndian<quint16>(internetChecksum(out + IpBytes, tcpBytes, pseudo), out + IpBytes + 16);
    return packet;
}

} // namespace pvc::core
