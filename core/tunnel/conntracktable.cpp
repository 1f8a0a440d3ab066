#include "tunnel/conntracktable.h"

#include <QHashFunctions>
#include <QRandomGenerator>
#include <algorithm>
#include <bit>

namespace pvc::core {

namespace {
// The probe window: see the class comment.
constexpr std::size_t MaxProbe = 64;
} // namespace

ConntrackTable::ConntrackTable(int capacity)
    : m_capacity(int(std::bit_ceil(std::size_t(std::max(capacity, 8)))))
    , m_slots(2 * std::size_t(m_capacity))
    , m_mask(m_slots.size() - 1)
    , m_maxProbe(std::min(m_slots.size(), MaxProbe))
    , m_seed(std::size_t(QRandomGenerator::system()->generate64()))
{
}

std::size_t ConntrackTable::home(const ConntrackKey& key) const
{
    return qHashBits(&key, sizeof key, m_seed) & m_mask;
}

ConntrackEntry* ConntrackTable::find(const ConntrackKey& key)
{
    const std::size_t start = home(key);
    for (std::size_t d = 0; d < m_maxProbe; ++d) {
        ConntrackEntry& entry = m_slots[(start + d) & m_mask];
        if (!entry.used)
            return nullptr;
        if (entry.key == key)
            return &entry;
    }
    return nullptr;
}

ConntrackEntry* ConntrackTable::insert(const ConntrackKey& key, quint64 nowMs)
{
    const std::size_t start = home(key);
    for (std::size_t d = 0; d < m_maxProbe; ++d) {
        ConntrackEntry& entry = m_slots[(start + d) & m_mask];
        if (entry.used && !entry.isExpired(nowMs))
            continue;
        if (!entry.used && m_size >= m_capacity)
            continue; // full: only an expired slot further on may be reused
        if (!entry.used)
            ++m_size;
        entry = ConntrackEntry {};
        entry.key = key;
        entry.used = true;
        return &entry;
    }
    ++m_tableFullDrops;
    return nullptr;
}

void ConntrackTable::erase(ConntrackEntry* entry)
{
    eraseAt(std::size_t(entry - m_slots.data()));
}

void ConntrackTable::eraseAt(std::size_t hole)
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

template <typename Predicate> void ConntrackTable::eraseWhere(Predicate predicate)
{
    // A backward shift may pull another match into slot i: look at it again.
    for (std::size_t i = 0; i < m_slots.size(); ++i)
        while (m_slots[i].used && predicate(m_slots[i]))
            eraseAt(i);
}

void ConntrackTable::expire(quint64 nowMs)
{
    eraseWhere([nowMs](const ConntrackEntry& entry) { return entry.isExpired(nowMs); });
}

void ConntrackTable::forgetPeer(quint32 peerAddress)
{
    eraseWhere([peerAddress](const ConntrackEntry& entry) { return entry.key.peer == peerAddress; });
}

} // namespace pvc::core
