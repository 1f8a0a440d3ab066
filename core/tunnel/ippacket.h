#pragma once

#include "common/ipprotocol.h"

#include <QtGlobal>
#include <cstddef>

// A read-only view over one IPv4 packet as it leaves the TUN device or comes out of a tunnel
// datagram. It parses in place and never allocates, so the data plane can make one per packet.
namespace pvc::core {

namespace tcpflag {
inline constexpr quint8 Fin = 0x01;
inline constexpr quint8 Syn = 0x02;
inline constexpr quint8 Rst = 0x04;
inline constexpr quint8 Ack = 0x10;
} // namespace tcpflag

namespace icmptype {
inline constexpr quint8 EchoReply = 0;
inline constexpr quint8 EchoRequest = 8;
} // namespace icmptype

// Why a buffer is not an IPv4 packet the data plane will carry.
enum class IpPacketError : quint8 {
    None,
    Truncated, // shorter than the 20-byte IPv4 header
    NotIpv4, // version field is not 4
    BadHeaderLength, // IHL below 5, or beyond the total length
    BadTotalLength, // total length field differs from the buffer size
    TruncatedTransport, // a first fragment too short for its TCP/UDP/ICMP header
    TinyFragment, // a TCP fragment at offset 8 that could rewrite the flags (RFC 1858)
};

const char* toString(IpPacketError error);

class IpPacketView {
public:
    static constexpr std::size_t MinHeaderBytes = 20;

    IpPacketView() = default;
    // The bytes must outlive the view. The buffer must hold exactly one packet: neither the TUN
    // device nor our tunnel pads, so trailing bytes mean a broken or crafted packet.
    IpPacketView(const void* data, std::size_t size);

    bool isValid() const { return m_error == IpPacketError::None; }
    IpPacketError error() const { return m_error; }

    const quint8* data() const { return m_data; }
    std::size_t size() const { return m_size; }
    std::size_t headerLength() const { return m_headerLength; }
    quint8 protocol() const { return m_data[9]; }
    // Addresses in host byte order.
    quint32 source() const { return read32(12); }
    quint32 destination() const { return read32(16); }
    quint16 identification() const { return read16(4); }

    // Fragmentation (RFC 791): offset in bytes, and whether more fragments follow.
    std::size_t fragmentOffset() const { return std::size_t(read16(6) & 0x1fff) * 8; }
    bool moreFragments() const { return read16(6) & 0x2000; }
    bool isFragment() const { return moreFragments() || fragmentOffset() != 0; }
    // A fragment other than the first carries no transport header: no ports, flags or ICMP id.
    bool isLaterFragment() const { return fragmentOffset() != 0; }

    // TCP and UDP ports, when the packet carries a transport header (not a later fragment).
    bool hasPorts() const { return m_transport && (protocol() == ipproto::Tcp || protocol() == ipproto::Udp); }
    quint16 sourcePort() const { return hasPorts() ? read16(m_headerLength) : 0; }
    quint16 destinationPort() const { return hasPorts() ? read16(m_headerLength + 2) : 0; }

    bool isTcp() const { return protocol() == ipproto::Tcp && m_transport; }
    // The TCP flag byte (tcpflag::*); 0 when this is not a TCP packet with a header.
    quint8 tcpFlags() const { return isTcp() ? m_data[m_headerLength + 13] : 0; }
    bool hasTcpFlag(quint8 flag) const { return tcpFlags() & flag; }

    bool isIcmp() const { return protocol() == ipproto::Icmp && m_transport; }
    quint8 icmpType() const { return isIcmp() ? m_data[m_headerLength] : 0; }
    quint8 icmpCode() const { return isIcmp() ? m_data[m_headerLength + 1] : 0; }
    // The identifier of an echo request or reply (RFC 792); 0 for other ICMP messages.
    quint16 icmpId() const { return isIcmp() && isEcho() ? read16(m_headerLength + 4) : 0; }
    bool isEcho() const
    {
        return isIcmp() && (icmpType() == icmptype::EchoRequest || icmpType() == icmptype::EchoReply);
    }

private:
    quint16 read16(std::size_t at) const { return quint16(m_data[at] << 8 | m_data[at + 1]); }
    quint32 read32(std::size_t at) const { return quint32(read16(at)) << 16 | read16(at + 2); }

    static const quint8 s_empty[MinHeaderBytes];

    const quint8* m_data = s_empty; // never null, so accessors on an invalid view read zeros
    std::size_t m_size = 0;
    std::size_t m_headerLength = 0;
    bool m_transport = false; // a transport header is present and in bounds
    IpPacketError m_error = IpPacketError::Truncated;
};

} // namespace pvc::core
