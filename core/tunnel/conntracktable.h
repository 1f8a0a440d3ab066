#pragma once

#include <QtGlobal>
#include <cstddef>
#include <vector>

namespace pvc::core {

// What Conntrack keeps per flow, and per fragmented datagram whose first fragment passed.
struct ConntrackKey {
    enum class Kind : quint8 { Flow, Fragment };
    // Oriented from this host: the same key for both directions of a flow.
    quint32 peer = 0;
    quint32 local = 0;
    quint16 localPort = 0; // ICMP: the echo id; Fragment: the IP identification
    quint16 remotePort = 0;
    quint8 protocol = 0;
    Kind kind = Kind::Flow;
    quint16 zero = 0; // no padding bytes, so the key hashes as raw memory
    bool operator==(const ConntrackKey&) const = default;
};

struct ConntrackEntry {
    enum class Origin : quint8 { Outbound, Inbound };
    ConntrackKey key;
    quint64 expiresAt = 0;
    quint32 generation = 0; // policy generation that admitted an inbound flow
    bool used = false;
    bool closing = false; // TCP: FIN or RST seen
    Origin origin = Origin::Outbound;

    bool isExpired(quint64 nowMs) const { return expiresAt <= nowMs; }
};

// Conntrack's table: open addressing with linear probing within a bounded window, allocated once
// with twice as many slots as the flows it holds, so that at most half the slots are used and a
// window is full of live entries only with negligible probability (at 88% load, a run of 900 flows
// in 1,024 slots was refused now and then).
// A lookup costs at most that window however full the table is, and a new entry whose window holds
// only live entries is refused rather than displacing one; expired entries in the window are reused
// in place. The hash is seeded with a secret, so that a peer cannot aim many flows at one window and
// crowd out others. Not thread-safe: the data-plane thread only.
class ConntrackTable {
public:
    // capacity, the most flows held, is rounded up to a power of two (at least 8).
    explicit ConntrackTable(int capacity);

    ConntrackEntry* find(const ConntrackKey& key);
    // A fresh entry for key (not yet holding it: find() first), or nullptr when there is no room.
    ConntrackEntry* insert(const ConntrackKey& key, quint64 nowMs);
    void erase(ConntrackEntry* entry);
    // Removes the expired entries.
    void expire(quint64 nowMs);
    // Removes every entry with a peer.
    void forgetPeer(quint32 peerAddress);

    int size() const { return m_size; }
    int capacity() const { return m_capacity; }
    quint64 tableFullDrops() const { return m_tableFullDrops; }

private:
    std::size_t home(const ConntrackKey& key) const;
    void eraseAt(std::size_t index);
    template <typename Predicate> void eraseWhere(Predicate predicate);

    int m_capacity;
    std::vector<ConntrackEntry> m_slots;
    std::size_t m_mask;
    std::size_t m_maxProbe;
    std::size_t m_seed;
    int m_size = 0;
    quint64 m_tableFullDrops = 0;
};

} // namespace pvc::core
