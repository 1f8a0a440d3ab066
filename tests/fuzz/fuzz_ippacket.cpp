// Fuzz target for the IPv4 view (core/tunnel/ippacket.h) and the connection tracker behind it
// (core/tunnel/conntrack.h): every packet a peer sends through a tunnel reaches both.
#include "tunnel/conntrack.h"
#include "tunnel/ippacket.h"

#include <QByteArray>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

constexpr quint32 LocalIp = 0xf0010002; // 240.1.0.2, as in the seeds

void require(bool condition, const char* what)
{
    if (!condition) {
        std::fprintf(stderr, "fuzz_ippacket: invariant broken: %s\n", what);
        std::abort();
    }
}

void swap(QByteArray& bytes, std::size_t a, std::size_t b, std::size_t length)
{
    for (std::size_t i = 0; i < length; ++i)
        std::swap(bytes[qsizetype(a + i)], bytes[qsizetype(b + i)]);
}

// The reply a peer would send: addresses and ports swapped, an echo request answered.
QByteArray mirrored(const pvc::core::IpPacketView& packet)
{
    QByteArray bytes(reinterpret_cast<const char*>(packet.data()), qsizetype(packet.size()));
    swap(bytes, 12, 16, 4);
    if (packet.hasPorts())
        swap(bytes, packet.headerLength(), packet.headerLength() + 2, 2);
    if (packet.isEcho())
        bytes[qsizetype(packet.headerLength())] = char(pvc::core::icmptype::EchoReply);
    return bytes;
}

void checkView(const pvc::core::IpPacketView& packet, size_t size)
{
    using namespace pvc::core;
    if (!packet.isValid()) {
        require(packet.error() != IpPacketError::None, "invalid without a reason");
        require(packet.size() == 0 && !packet.hasPorts() && packet.tcpFlags() == 0, "a refused view reads data");
        return;
    }
    require(packet.size() == size, "size is not the buffer size");
    require(packet.headerLength() >= 20 && packet.headerLength() <= packet.size(), "header outside the packet");
    require(!packet.hasPorts() || !packet.isLaterFragment(), "ports read from a later fragment");
    require(packet.isTcp() || packet.tcpFlags() == 0, "TCP flags on a non-TCP packet");
    require(!packet.isEcho() || packet.isIcmp(), "echo that is not ICMP");
    require(packet.isIcmp() || packet.icmpId() == 0, "ICMP id on a non-ICMP packet");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace pvc::core;
    if (size > 70 * 1024)
        return 0;
    const IpPacketView packet(data, size);
    checkView(packet, size);

    auto policy = std::make_shared<PolicySet>();
    policy->setGlobal(*Policy::parse(R"({"format":"pvc-policy-1","rules":[
        {"from":"any","to":"any","proto":"tcp","ports":"9123"},{"from":"any","to":"any","proto":"icmp"}]})"));
    Conntrack track(LocalIp, Endpoint { QStringLiteral("alice"), {} }, 64);
    track.setPolicy(policy);
    const PeerIdentity peer { packet.source(), Endpoint { QStringLiteral("bob"), {} } };

    if (!packet.isValid()) {
        require(track.inbound(packet, peer, 0) == Conntrack::Verdict::RefusedMalformed, "passed a malformed packet");
        require(!track.outbound(packet, 0), "tracked a malformed packet");
        return 0;
    }

    if (packet.source() == LocalIp) {
        // Whatever this host sends, the peer's reply gets back in.
        const bool tracked = track.outbound(packet, 1000);
        const QByteArray replyBytes = mirrored(packet);
        const IpPacketView reply(replyBytes.constData(), std::size_t(replyBytes.size()));
        require(reply.isValid(), "a mirrored packet is invalid");
        const PeerIdentity replier { reply.source(), Endpoint { QStringLiteral("bob"), {} } };
        const Conntrack::Verdict verdict = track.inbound(reply, replier, 2000);
        const bool isFlow = !packet.isLaterFragment() && (packet.protocol() != ipproto::Icmp || packet.isEcho());
        const bool opens = reply.isTcp() && reply.hasTcpFlag(tcpflag::Syn) && !reply.hasTcpFlag(tcpflag::Ack);
        if (tracked && isFlow && !opens)
            require(verdict == Conntrack::Verdict::Established, "the reply to a tracked packet was refused");
        // The longest timeout is TCP's: past it, counted from the reply at 2000, nothing is established.
        require(track.inbound(reply, replier, 2000 + Conntrack::TcpTimeoutMs + 1) != Conntrack::Verdict::Established,
            "a flow outlived the longest timeout");
    } else {
        const Conntrack::Verdict first = track.inbound(packet, peer, 1000);
        if (first == Conntrack::Verdict::New)
            require(Conntrack::passes(track.inbound(packet, peer, 1001)), "an admitted packet was refused again");
        if (!Conntrack::passes(first))
            require(track.size() == 0, "a refused packet left state");
    }
    require(track.size() <= track.capacity(), "more entries than slots");
    track.expire(3 * Conntrack::TcpTimeoutMs);
    require(track.size() == 0, "entries outlived expiry");
    return 0;
}
