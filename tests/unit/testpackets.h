#pragma once

// Hand-built IPv4 packets for the data-plane tests (tst_ippacket, tst_conntrack, tst_policy).
#include "tunnel/ippacket.h"

#include <QByteArray>
#include <QtGlobal>

namespace pvc::test {

constexpr quint32 ip(quint8 a, quint8 b, quint8 c, quint8 d)
{
    return quint32(a) << 24 | quint32(b) << 16 | quint32(c) << 8 | d;
}

inline void put16(QByteArray& bytes, int at, quint16 value)
{
    bytes[at] = char(value >> 8);
    bytes[at + 1] = char(value);
}

inline void put32(QByteArray& bytes, int at, quint32 value)
{
    put16(bytes, at, quint16(value >> 16));
    put16(bytes, at + 2, quint16(value));
}

// An IPv4 header (no options, checksum left 0) followed by `transportBytes` zero bytes.
// fragment is the raw flags/offset field (0x2000: more fragments; low 13 bits: offset / 8).
inline QByteArray ipv4(
    quint32 source, quint32 destination, quint8 protocol, int transportBytes, quint16 id = 0, quint16 fragment = 0)
{
    QByteArray bytes(20 + transportBytes, '\0');
    bytes[0] = char(0x45);
    put16(bytes, 2, quint16(bytes.size()));
    put16(bytes, 4, id);
    put16(bytes, 6, fragment);
    bytes[8] = char(64);
    bytes[9] = char(protocol);
    put32(bytes, 12, source);
    put32(bytes, 16, destination);
    return bytes;
}

inline QByteArray tcp(quint32 source, quint16 sourcePort, quint32 destination, quint16 destinationPort, quint8 flags)
{
    QByteArray bytes = ipv4(source, destination, core::ipproto::Tcp, 20);
    put16(bytes, 20, sourcePort);
    put16(bytes, 22, destinationPort);
    bytes[32] = char(0x50); // data offset 5
    bytes[33] = char(flags);
    return bytes;
}

inline QByteArray udp(quint32 source, quint16 sourcePort, quint32 destination, quint16 destinationPort, int payload = 4)
{
    QByteArray bytes = ipv4(source, destination, core::ipproto::Udp, 8 + payload);
    put16(bytes, 20, sourcePort);
    put16(bytes, 22, destinationPort);
    put16(bytes, 24, quint16(8 + payload));
    return bytes;
}

inline QByteArray icmp(quint32 source, quint32 destination, quint8 type, quint16 id, quint8 code = 0)
{
    QByteArray bytes = ipv4(source, destination, core::ipproto::Icmp, 8);
    bytes[20] = char(type);
    bytes[21] = char(code);
    put16(bytes, 24, id);
    put16(bytes, 26, 1); // sequence
    return bytes;
}

inline core::IpPacketView view(const QByteArray& bytes)
{
    return core::IpPacketView(bytes.constData(), bytes.size());
}

} // namespace pvc::test
