#include "tunnel/conntrack.h"

namespace pvc::core {

namespace {
// Packets that open a flow: a TCP SYN without ACK, an ICMP echo request. A peer's opening packet
// never rides on a flow this host opened; it is judged by the policy (TCP simultaneous open
// inside the overlay is the one casualty).
bool opensFlow(const IpPacketView& packet)
{
    if (packet.isTcp())
        return packet.hasTcpFlag(tcpflag::Syn) && !packet.hasTcpFlag(tcpflag::Ack);
    return packet.isIcmp() && packet.icmpType() == icmptype::EchoRequest;
}

// ICMP messages other than echo are not flows; each one is judged by the policy on its own.
bool isTracked(const IpPacketView& packet)
{
    return packet.protocol() != ipproto::Icmp || packet.isEcho();
}
} // namespace

Conntrack::Conntrack(quint32 localAddress, Endpoint local, int capacity)
    : m_localAddress(localAddress)
    , m_local(std::move(local))
    , m_table(capacity)
{
}

void Conntrack::setPolicy(std::shared_ptr<const PolicySet> policy)
{
    std::lock_guard lock(m_policyMutex);
    m_pendingPolicy = std::move(policy);
    m_generation.fetch_add(1, std::memory_order_release);
}

const PolicySet* Conntrack::currentPolicy()
{
    if (m_generation.load(std::memory_order_acquire) != m_policyGeneration) {
        std::lock_guard lock(m_policyMutex);
        m_policy = m_pendingPolicy;
        m_policyGeneration = m_generation.load(std::memory_order_relaxed);
    }
    return m_policy.get();
}

Conntrack::Key Conntrack::flowKey(const IpPacketView& packet, quint32 peer, quint32 local, bool inbound)
{
    Key key;
    key.peer = peer;
    key.local = local;
    key.protocol = packet.protocol();
    if (packet.hasPorts()) {
        key.localPort = inbound ? packet.destinationPort() : packet.sourcePort();
        key.remotePort = inbound ? packet.sourcePort() : packet.destinationPort();
    } else if (packet.isEcho()) {
        key.localPort = packet.icmpId();
    }
    return key;
}

Conntrack::Key Conntrack::fragmentKey(const IpPacketView& packet)
{
    Key key;
    key.peer = packet.source();
    key.local = packet.destination();
    key.localPort = packet.identification();
    key.protocol = packet.protocol();
    key.kind = Kind::Fragment;
    return key;
}

quint64 Conntrack::timeoutFor(const Entry& entry)
{
    if (entry.key.kind == Kind::Fragment)
        return FragmentTimeoutMs;
    switch (entry.key.protocol) {
    case ipproto::Tcp:
        return entry.closing ? TcpClosingTimeoutMs : TcpTimeoutMs;
    case ipproto::Udp:
        return UdpTimeoutMs;
    case ipproto::Icmp:
        return IcmpTimeoutMs;
    default:
        return OtherTimeoutMs;
    }
}

void Conntrack::touch(Entry& entry, const IpPacketView& packet, quint64 nowMs)
{
    if (packet.hasTcpFlag(tcpflag::Fin) || packet.hasTcpFlag(tcpflag::Rst))
        entry.closing = true;
    else if (opensFlow(packet))
        entry.closing = false; // a new connection on a reused port pair
    entry.expiresAt = nowMs + timeoutFor(entry);
}

void Conntrack::rememberFragment(const IpPacketView& packet, quint64 nowMs)
{
    if (!packet.moreFragments())
        return;
    const Key key = fragmentKey(packet);
    Entry* entry = m_table.find(key);
    if (!entry)
        entry = m_table.insert(key, nowMs);
    if (entry)
        entry->expiresAt = nowMs + FragmentTimeoutMs;
}

bool Conntrack::allowsNew(const PolicySet* policy, const IpPacketView& packet, const PeerIdentity& peer) const
{
    return policy && policy->allowsNew(peer.endpoint, m_local, packet.protocol(), packet.destinationPort());
}

Conntrack::Verdict Conntrack::inbound(const IpPacketView& packet, const PeerIdentity& peer, quint64 nowMs)
{
    if (!packet.isValid())
        return Verdict::RefusedMalformed;
    if (packet.source() != peer.address)
        return Verdict::RefusedSpoofed;
    if (packet.destination() != m_localAddress)
        return Verdict::RefusedNotLocal;
    const PolicySet* policy = currentPolicy();

    if (packet.isLaterFragment()) {
        const Entry* entry = m_table.find(fragmentKey(packet));
        return entry && !entry->isExpired(nowMs) ? Verdict::Established : Verdict::RefusedFragment;
    }
    if (!isTracked(packet)) {
        if (!allowsNew(policy, packet, peer))
            return Verdict::RefusedByPolicy;
        rememberFragment(packet, nowMs);
        return Verdict::New;
    }
    return inboundFlow(packet, peer, policy, nowMs);
}

Conntrack::Verdict Conntrack::inboundFlow(
    const IpPacketView& packet, const PeerIdentity& peer, const PolicySet* policy, quint64 nowMs)
{
    const Key key = flowKey(packet, peer.address, m_localAddress, true);
    Entry* entry = m_table.find(key);
    const bool live = entry && !entry->isExpired(nowMs);
    if (live && !(opensFlow(packet) && entry->origin == Origin::Outbound)) {
        // A flow the policy admitted is judged again once the policy has changed.
        if (entry->origin == Origin::Inbound && entry->generation != m_policyGeneration) {
            if (!allowsNew(policy, packet, peer)) {
                m_table.erase(entry);
                return Verdict::RefusedByPolicy;
            }
            entry->generation = m_policyGeneration;
        }
        touch(*entry, packet, nowMs);
        rememberFragment(packet, nowMs);
        return Verdict::Established;
    }
    if (!allowsNew(policy, packet, peer))
        return Verdict::RefusedByPolicy;
    return admitNew(packet, key, entry, nowMs);
}

// The policy allows the packet as a NEW flow: track it, in the slot of an expired (or outbound-opened)
// entry for the same key when there is one.
Conntrack::Verdict Conntrack::admitNew(const IpPacketView& packet, const Key& key, Entry* stale, quint64 nowMs)
{
    Entry* entry = stale ? stale : m_table.insert(key, nowMs);
    if (!entry)
        return Verdict::RefusedTableFull;
    entry->origin = Origin::Inbound;
    entry->generation = m_policyGeneration;
    entry->closing = false;
    touch(*entry, packet, nowMs);
    rememberFragment(packet, nowMs);
    return Verdict::New;
}

bool Conntrack::outbound(const IpPacketView& packet, quint64 nowMs)
{
    if (!packet.isValid() || packet.source() != m_localAddress)
        return false;
    if (packet.isLaterFragment() || !isTracked(packet))
        return true; // nothing to open: replies to these are not flows either

    const Key key = flowKey(packet, packet.destination(), m_localAddress, false);
    Entry* entry = m_table.find(key);
    if (entry && entry->isExpired(nowMs)) {
        *entry = Entry { key, 0, 0, true, false, Origin::Outbound };
    } else if (!entry) {
        entry = m_table.insert(key, nowMs);
        if (!entry)
            return false;
    }
    if (opensFlow(packet))
        entry->origin = Origin::Outbound; // this host opens it, whoever opened the port pair before
    touch(*entry, packet, nowMs);
    return true;
}

void Conntrack::expire(quint64 nowMs)
{
    m_table.expire(nowMs);
}

void Conntrack::forgetPeer(quint32 peerAddress)
{
    m_table.forgetPeer(peerAddress);
}

} // namespace pvc::core
