#pragma once

#include "tunnel/tunnelstats.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <netinet/in.h>
#include <span>
#include <sys/socket.h>

// Preallocated buffers and message headers for one batch of UDP datagrams: recvmmsg() fills the
// slots, sendmmsg() sends what was queued. Everything is allocated in the constructor; the buffers
// are left uninitialised, so pages a batch never uses are never touched.
namespace pvc::core {

class DatagramBatch {
public:
    static constexpr int Capacity = 64;

    explicit DatagramBatch(std::size_t slotBytes);
    DatagramBatch(const DatagramBatch&) = delete;
    DatagramBatch& operator=(const DatagramBatch&) = delete;

    std::size_t slotBytes() const { return m_slotBytes; }
    std::uint8_t* slot(int index) { return m_buffers.get() + std::size_t(index) * m_slotBytes; }

    // Receives up to Capacity datagrams into the slots without blocking. Returns how many, 0 when
    // none is waiting, -1 on another error (errno is set).
    int receive(int fd);
    std::size_t receivedSize(int index) const { return m_messages[std::size_t(index)].msg_len; }
    bool truncated(int index) const { return m_messages[std::size_t(index)].msg_hdr.msg_flags & MSG_TRUNC; }
    const sockaddr_in& source(int index) const { return m_addresses[std::size_t(index)]; }

    // Queues prefix || data for `to`; both must stay valid until flush(). Counted against counters
    // (may be null) when sent. Returns false when the batch is full.
    bool queue(std::span<const std::uint8_t> prefix, std::span<const std::uint8_t> data, const sockaddr_in& to,
        PeerCounters* counters);
    int queued() const { return m_queued; }
    // Sends everything queued, counts packets and bytes out (or SendFailed drops), and empties the
    // queue. A full socket buffer drops the rest of the batch: the traffic inside retransmits.
    void flush(int fd);

private:
    void account(int index, bool sent);

    std::size_t m_slotBytes;
    std::unique_ptr<std::uint8_t[]> m_buffers;
    std::array<mmsghdr, Capacity> m_messages {};
    std::array<std::array<iovec, 2>, Capacity> m_iovecs {};
    std::array<sockaddr_in, Capacity> m_addresses {};
    std::array<PeerCounters*, Capacity> m_counters {};
    int m_queued = 0;
};

} // namespace pvc::core
