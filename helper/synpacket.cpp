#include "synpacket.h"

#include <QtEndian>

namespace pvc::helper {

namespace {

constexpr int IpHeaderBytes = 20;
constexpr quint8 SynFlag = 0x02;
constexpr quint8 EcnSetup = 0x40 | 0x80; // ECE and CWR: a SYN that offers ECN (RFC 3168 section 6.1.1)

Refusal refuse(const char* code, const char* detail)
{
    return Refusal { QString::fromLatin1(code), QString::fromLatin1(detail) };
}

// Addresses no genuine peer sends from: "this network", loopback, link-local, multicast, class E and
// the limited broadcast address.
bool isSpecialSource(quint32 address)
{
    return (address >> 24) == 0 || (address >> 24) == 127 || (address >> 16) == 0xA9FE || address >= 0xE0000000;
}

// The options Linux puts in a SYN (RFC 9293 section 3.2; RFC 7323; RFC 2018), each at most once and
// with its exact length. Anything else (Fast Open cookies, MD5, MPTCP, unknown kinds) is refused.
bool checkOptions(const uchar* options, int size)
{
    QSet<int> seen;
    for (int at = 0; at < size;) {
        const int kind = options[at];
        if (kind == 0) { // end of options: only padding may follow
            for (int rest = at + 1; rest < size; ++rest) {
                if (options[rest] != 0)
                    return false;
            }
            return true;
        }
        if (kind == 1) { // no-operation
            ++at;
            continue;
        }
        if (at + 1 >= size)
            return false;
        const int length = options[at + 1];
        const int expected = kind == 2 ? 4 : kind == 3 ? 3 : kind == 4 ? 2 : kind == 8 ? 10 : -1;
        if (length != expected || at + length > size || seen.contains(kind))
            return false;
        if (kind == 3 && options[at + 2] > 14) // window scale shift, RFC 7323 section 2.3
            return false;
        seen.insert(kind);
        at += length;
    }
    return true;
}

} // namespace

std::optional<Refusal> checkSyn(const QByteArray& packet, const SynRules& rules, Syn* syn)
{
    const auto* ip = reinterpret_cast<const uchar*>(packet.constData());
    const qsizetype size = packet.size();
    if (size < IpHeaderBytes + 20 || size > MaxSynBytes)
        return refuse("helper.bad_packet", "a SYN is 40 to 80 bytes");
    if (ip[0] != 0x45)
        return refuse("helper.bad_packet", "not IPv4 with a 20-byte header");
    if (qFromBigEndian<quint16>(ip + 2) != size)
        return refuse("helper.bad_packet", "IPv4 total length is not the packet's size");
    if ((qFromBigEndian<quint16>(ip + 6) & 0xBFFF) != 0) // only DF may be set: no fragment, no evil bit
        return refuse("helper.bad_packet", "a fragment, or a reserved flag set");
    if (ip[8] == 0 || ip[9] != 6)
        return refuse("helper.bad_packet", "TTL 0, or not TCP");
    if (internetChecksum(ip, IpHeaderBytes) != 0)
        return refuse("helper.bad_packet", "bad IPv4 header checksum");

    syn->source = qFromBigEndian<quint32>(ip + 12);
    syn->destination = qFromBigEndian<quint32>(ip + 16);
    if (isSpecialSource(syn->source) || rules.hostAddresses.contains(syn->source))
        return refuse("helper.bad_address", "source is a special address or this host's own");
    if (rules.subnetEdges.contains(syn->source))
        return refuse("helper.bad_address", "source is the network or broadcast address of a subnet of this host");
    if (!rules.targetAddresses.contains(syn->destination))
        return refuse("helper.bad_address", "destination is not an address of this host outside 240.0.0.0/4");

    const uchar* tcp = ip + IpHeaderBytes;
    const int tcpBytes = int(size) - IpHeaderBytes;
    const int headerBytes = (tcp[12] >> 4) * 4;
    if (headerBytes < 20 || headerBytes != tcpBytes)
        return refuse("helper.bad_packet", "TCP header length wrong, or the SYN carries data");
    if ((tcp[12] & 0x0F) != 0 || (tcp[13] & ~EcnSetup) != SynFlag)
        return refuse("helper.bad_packet", "flags are not SYN (ECE and CWR allowed), or reserved bits set");
    if (qFromBigEndian<quint32>(tcp + 8) != 0 || qFromBigEndian<quint16>(tcp + 18) != 0)
        return refuse("helper.bad_packet", "acknowledgment number or urgent pointer not zero");
    syn->sourcePort = qFromBigEndian<quint16>(tcp);
    syn->destinationPort = qFromBigEndian<quint16>(tcp + 2);
    if (syn->sourcePort == 0)
        return refuse("helper.bad_packet", "source port 0");
    if (!rules.allowedPorts.contains(syn->destinationPort))
        return refuse("helper.not_yours", "destination port not declared with ttcp-allow on this connection");

    // The pseudo-header of RFC 9293 section 3.1: addresses, protocol, TCP length.
    const quint32 pseudo = (syn->source >> 16) + (syn->source & 0xFFFF) + (syn->destination >> 16)
        + (syn->destination & 0xFFFF) + 6 + quint32(tcpBytes);
    if (internetChecksum(tcp, tcpBytes, pseudo) != 0)
        return refuse("helper.bad_packet", "bad TCP checksum");
    if (!checkOptions(tcp + 20, headerBytes - 20))
        return refuse("helper.bad_packet", "TCP options other than MSS, window scale, SACK-permitted, timestamps");
    return std::nullopt;
}

} // namespace pvc::helper
