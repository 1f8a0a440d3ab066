#include "tunnel/conntrack.h"

#include <QHashFunctions>
#include <QRandomGenerator>
#include <algorithm>
#include <bit>

namespace pvc::core {

namespace {
// Linear probing within a bounded window: a lookup costs at most this many slots however full the
// table is, and a flow whose window holds only live entries is refused rather than displacing one.
constexpr std::size_t MaxProbe = 64;

bool isExpired(quint64 expiresAt, quint64 nowMs)
{
    return expiresAt <= nowMs;
}

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
    , m_slots(std::bit_ceil(std::size_t(std::max(capacity, 8))))
    , m_mask(m_slots.size() - 1)
    , m_maxProbe(std::min(m_slots.size(), MaxProbe))
    // A secret seed, so that a peer cannot aim many flows at one probe window and crowd out others.
    , m_seed(std::size_t(QRandomGenerator::system()->generate64()))
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

std::size_t Conntrack::home(const Key& key) const
{
    return qHashBits(&key, sizeof key, m_seed) & m_mask;
}

Conntrack::Entry* Conntrack::find(const Key& key)
{
    const std::size_t start = home(key);
    for (std::size_t d = 0; d < m_maxProbe; ++d) {
        Entry& entry = m_slots[(start + d) & m_mask];
        if (!entry.used)
            return nullptr;
        if (entry.key == key)
            return &entry;
    }
    return nullptr;
}

Conntrack::Entry* Conntrack::insert(const Key& key, quint64 nowMs)
{
    const std::size_t start = home(key);
    for (std::size_t d = 0; d < m_maxProbe; ++d) {
        Entry& entry = m_slots[(start + d) & m_mask];
        if (entry.used && !isExpired(entry.expiresAt, nowMs))
            continue;
        if (!entry.used)
            ++m_size;
        entry = Entry {};
        entry.key = key;
        entry.used = true;
        return &entry;
    }
    ++m_tableFullDrops;
    return nullptr;
}

void Conntrack::erase(std::size_t hole)
{
    // Backward-shift deletion: pull later members of the probe run into the hole, so that a
    // lookup may still stop at the first empty slot.
    m_slots[hole].used = false;
    --m_size;
    for (std::size_t next = (hole + 1) & m_mask; m_slots[next].used; next = (next + 1) & m_mask) {
        const std::size_t wanted = home(m_slots[next].key);
        const bool stays = hole <= next ? (hole < wanted && wanted <= next) : (hole < wanted || wanted <= next);
        if (stays)
            continue;
        m_slots[hole] = m_slots[next];
        m_slots[next].used = false;
        hole = next;
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
    Key key;
    key.peer = packet.source();
    key.local = packet.destination();
    key.localPort = packet.identification();
    key.protocol = packet.protocol();
    key.kind = Kind::Fragment;
    Entry* entry = find(key);
    if (!entry)
        entry = insert(key, nowMs);
    if (entry)
        entry->expiresAt = nowMs + FragmentTimeoutMs;
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
        Key key;
        key.peer = peer.address;
        key.local = m_localAddress;
        key.localPort = packet.identification();
        key.protocol = packet.protocol();
        key.kind = Kind::Fragment;
        const Entry* entry = find(key);
        return entry && !isExpired(entry->expiresAt, nowMs) ? Verdict::Established : Verdict::RefusedFragment;
    }

    const quint8 protocol = packet.protocol();
    const quint16 port = packet.destinationPort();
    if (!isTracked(packet)) {
        if (!policy || !policy->allowsNew(peer.endpoint, m_local, protocol, port))
            return Verdict::RefusedByPolicy;
        rememberFragment(packet, nowMs);
        return Verdict::New;
    }

    const Key key = flowKey(packet, peer.address, m_localAddress, true);
    Entry* entry = find(key);
    const bool live = entry && !isExpired(entry->expiresAt, nowMs);
    if (live && !(opensFlow(packet) && entry->origin == Origin::Outbound)) {
        // A flow the policy admitted is judged again once the policy has changed.
        if (entry->origin == Origin::Inbound && entry->generation != m_policyGeneration) {
            if (!policy || !policy->allowsNew(peer.endpoint, m_local, protocol, port)) {
                erase(std::size_t(entry - m_slots.data()));
                return Verdict::RefusedByPolicy;
            }
            entry->generation = m_policyGeneration;
        }
        touch(*entry, packet, nowMs);
        rememberFragment(packet, nowMs);
        return Verdict::Established;
    }

    if (!policy || !policy->allowsNew(peer.endpoint, m_local, protocol, port))
        return Verdict::RefusedByPolicy;
    if (!entry)
        entry = insert(key, nowMs);
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
    Entry* entry = find(key);
    if (entry && isExpired(entry->expiresAt, nowMs)) {
        *entry = Entry { key, 0, 0, true, false, Origin::Outbound };
    } else if (!entry) {
        entry = insert(key, nowMs);
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
    for (std::size_t i = 0; i < m_slots.size(); ++i)
        while (m_slots[i].used && isExpired(m_slots[i].expiresAt, nowMs))
            erase(i);
}

void Conntrack::forgetPeer(quint32 peerAddress)
{
    for (std::size_t i = 0; i < m_slots.size(); ++i)
        while (m_slots[i].used && m_slots[i].key.peer == peerAddress)
            erase(i);
}

} // namespace pvc::core
