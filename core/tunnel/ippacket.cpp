#include "tunnel/ippacket.h"

namespace pvc::core {

const quint8 IpPacketView::s_empty[IpPacketView::MinHeaderBytes] = {};

const char* toString(IpPacketError error)
{
    switch (error) {
    case IpPacketError::None:
        return "none";
    case IpPacketError::Truncated:
        return "truncated";
    case IpPacketError::NotIpv4:
        return "not_ipv4";
    case IpPacketError::BadHeaderLength:
        return "bad_header_length";
    case IpPacketError::BadTotalLength:
        return "bad_total_length";
    case IpPacketError::TruncatedTransport:
        return "truncated_transport";
    case IpPacketError::TinyFragment:
        return "tiny_fragment";
    }
    return "unknown";
}

namespace {
// The transport header bytes the data plane reads: TCP up to and including the flags and the
// fixed 20 bytes; the whole UDP header; ICMP type, code, checksum and the echo id/sequence.
std::size_t transportHeaderBytes(quint8 protocol)
{
    switch (protocol) {
    case ipproto::Tcp:
        return 20;
    case ipproto::Udp:
    case ipproto::Icmp:
        return 8;
    default:
        return 0;
    }
}
} // namespace

IpPacketView::IpPacketView(const void* data, std::size_t size)
{
    // Every field is checked against the buffer before m_data points at it; until then the
    // accessors read the zeroed stand-in, so a refused view is safe to query.
    const auto* bytes = static_cast<const quint8*>(data);
    if (!bytes || size < MinHeaderBytes) {
        m_error = IpPacketError::Truncated;
        return;
    }
    if (bytes[0] >> 4 != 4) {
        m_error = IpPacketError::NotIpv4;
        return;
    }
    const std::size_t headerLength = std::size_t(bytes[0] & 0x0f) * 4;
    const std::size_t totalLength = std::size_t(bytes[2]) << 8 | bytes[3];
    if (totalLength != size) {
        m_error = IpPacketError::BadTotalLength;
        return;
    }
    if (headerLength < MinHeaderBytes || headerLength > totalLength) {
        m_error = IpPacketError::BadHeaderLength;
        return;
    }

    const quint8 protocol = bytes[9];
    const std::size_t fragmentUnits = (std::size_t(bytes[6]) << 8 | bytes[7]) & 0x1fff;
    // RFC 1858 section 3.2: a TCP fragment at offset 1 (8 bytes) can overwrite the flags of a
    // first fragment that the filter has already judged; no honest stack sends one.
    if (protocol == ipproto::Tcp && fragmentUnits == 1) {
        m_error = IpPacketError::TinyFragment;
        return;
    }
    const std::size_t needed = transportHeaderBytes(protocol);
    bool transport = false;
    if (fragmentUnits == 0 && needed > 0) {
        // A first fragment (or a whole packet) must carry its whole transport header, or the
        // ports we judge could differ from the ones the receiver reassembles (RFC 1858 section 3.1).
        if (totalLength - headerLength < needed) {
            m_error = IpPacketError::TruncatedTransport;
            return;
        }
        transport = true;
    }

    m_data = bytes;
    m_size = size;
    m_headerLength = headerLength;
    m_transport = transport;
    m_error = IpPacketError::None;
}

} // namespace pvc::core
