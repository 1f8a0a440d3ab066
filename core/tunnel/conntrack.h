#pragma once

#include "security/policy.h"
#include "tunnel/conntracktable.h"
#include "tunnel/ippacket.h"

#include <QtGlobal>
#include <atomic>
#include <memory>
#include <mutex>

// Stateful inbound filtering for the data plane (docs/policy.md, "Enforcement"). Packets this host
// sends open or refresh a flow, so the peer's replies pass; a packet from a peer that belongs to no
// flow passes only if the policy allows it as a NEW flow, which then is tracked too.
//
// Threading: one data-plane thread calls inbound(), outbound(), expire() and forgetPeer(); any
// thread may call setPolicy(). The table is allocated once, in the constructor.
namespace pvc::core {

// The authenticated peer a decapsulated packet came from: the tunnel session knows it from the
// peer's membership certificate.
struct PeerIdentity {
    quint32 address = 0; // the peer's virtual IP, host byte order
    Endpoint endpoint;
};

class Conntrack {
public:
    static constexpr int DefaultCapacity = 65536;
    // Timeouts since the last packet of a flow (ms).
    // An established TCP flow may be idle for long (a Work Queue worker waiting for tasks holds its connection to
    // the manager open): 2 hours 4 minutes, the least RFC 5382 (REQ-5) allows a NAT. With 5 minutes an idle
    // worker's flow expired, and the manager's next segments (a task, its FIN) were refused as new inbound flows.
    static constexpr quint64 TcpTimeoutMs = 7'440'000;
    static constexpr quint64 TcpClosingTimeoutMs = 30'000; // after a FIN or RST
    static constexpr quint64 UdpTimeoutMs = 60'000;
    static constexpr quint64 IcmpTimeoutMs = 30'000;
    static constexpr quint64 OtherTimeoutMs = 60'000; // any other IP protocol
    static constexpr quint64 FragmentTimeoutMs = 30'000; // as Linux ipfrag_time

    enum class Verdict : quint8 {
        Established, // pass: part of a tracked flow
        New, // pass: the policy allows it, and the flow is now tracked
        RefusedMalformed, // the view is not a valid packet
        RefusedSpoofed, // source is not the peer's virtual IP
        RefusedNotLocal, // destination is not this host's virtual IP
        RefusedByPolicy, // no tracked flow, and the policy does not allow a new one
        RefusedTableFull, // the policy allows it, but there is no room to track it
        RefusedFragment, // a later fragment whose first fragment did not pass
    };
    static bool passes(Verdict verdict) { return verdict == Verdict::Established || verdict == Verdict::New; }

    // capacity is rounded up to a power of two (at least 8).
    Conntrack(quint32 localAddress, Endpoint local, int capacity = DefaultCapacity);
    Conntrack(const Conntrack&) = delete;
    Conntrack& operator=(const Conntrack&) = delete;

    // Any thread. The data plane picks the new policy up on its next packet; flows admitted by an
    // earlier policy are judged again by the new one on their next packet.
    void setPolicy(std::shared_ptr<const PolicySet> policy);

    Verdict inbound(const IpPacketView& packet, const PeerIdentity& peer, quint64 nowMs);
    // Tracks a packet this host sends. Returns false when it could not be tracked (the table has
    // no room), so the peer's replies will be refused; the packet itself may still be sent.
    bool outbound(const IpPacketView& packet, quint64 nowMs);

    // Removes expired entries; the data plane calls it now and then (expired entries are also
    // reused in place when a new flow needs their slot).
    void expire(quint64 nowMs);
    // Drops every flow with a peer, e.g. when its certificate is revoked.
    void forgetPeer(quint32 peerAddress);

    // Entries held, including expired ones not yet removed.
    int size() const { return m_table.size(); }
    int capacity() const { return m_table.capacity(); }
    // Packets refused or left untracked because the table had no room.
    quint64 tableFullDrops() const { return m_table.tableFullDrops(); }

private:
    using Key = ConntrackKey;
    using Entry = ConntrackEntry;
    using Kind = ConntrackKey::Kind;
    using Origin = ConntrackEntry::Origin;

    static Key flowKey(const IpPacketView& packet, quint32 peer, quint32 local, bool inbound);
    static Key fragmentKey(const IpPacketView& packet);
    static quint64 timeoutFor(const Entry& entry);

    const PolicySet* currentPolicy();
    Verdict inboundFlow(const IpPacketView& packet, const PeerIdentity& peer, const PolicySet* policy, quint64 nowMs);
    Verdict admitNew(const IpPacketView& packet, const Key& key, Entry* stale, quint64 nowMs);
    bool allowsNew(const PolicySet* policy, const IpPacketView& packet, const PeerIdentity& peer) const;
    void touch(Entry& entry, const IpPacketView& packet, quint64 nowMs);
    void rememberFragment(const IpPacketView& packet, quint64 nowMs);

    const quint32 m_localAddress;
    const Endpoint m_local;
    ConntrackTable m_table;

    // Policy hand-over: writers bump m_generation under m_policyMutex; the data plane compares it
    // with the generation it holds and takes the mutex only when they differ.
    std::mutex m_policyMutex;
    std::shared_ptr<const PolicySet> m_pendingPolicy;
    std::atomic<quint32> m_generation { 0 };
    std::shared_ptr<const PolicySet> m_policy; // data-plane thread only
    quint32 m_policyGeneration = 0; // data-plane thread only
};

} // namespace pvc::core
