#include "tunnel/packetbatch.h"

#include <cerrno>

namespace pvc::core {

DatagramBatch::DatagramBatch(std::size_t slotBytes)
    : m_slotBytes(slotBytes)
    , m_buffers(new std::uint8_t[slotBytes * Capacity])
{
}

int DatagramBatch::receive(int fd)
{
    for (int i = 0; i < Capacity; ++i) {
        const std::size_t at = std::size_t(i);
        m_iovecs[at][0] = { slot(i), m_slotBytes };
        msghdr& header = m_messages[at].msg_hdr;
        header = {};
        header.msg_name = &m_addresses[at];
        header.msg_namelen = sizeof(sockaddr_in);
        header.msg_iov = m_iovecs[at].data();
        header.msg_iovlen = 1;
        m_messages[at].msg_len = 0;
    }
    for (;;) {
        const int received = ::recvmmsg(fd, m_messages.data(), Capacity, MSG_DONTWAIT, nullptr);
        if (received >= 0)
            return received;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    }
}

bool DatagramBatch::queue(std::span<const std::uint8_t> prefix, std::span<const std::uint8_t> data,
    const sockaddr_in& to, PeerCounters* counters)
{
    if (m_queued == Capacity)
        return false;
    const std::size_t at = std::size_t(m_queued++);
    // sendmsg takes non-const buffers but only reads them.
    m_iovecs[at][0] = { const_cast<std::uint8_t*>(prefix.data()), prefix.size() };
    m_iovecs[at][1] = { const_cast<std::uint8_t*>(data.data()), data.size() };
    m_addresses[at] = to;
    m_counters[at] = counters;
    msghdr& header = m_messages[at].msg_hdr;
    header = {};
    header.msg_name = &m_addresses[at];
    header.msg_namelen = sizeof(sockaddr_in);
    header.msg_iov = m_iovecs[at].data();
    header.msg_iovlen = 2;
    return true;
}

void DatagramBatch::flush(int fd)
{
    int done = 0;
    while (done < m_queued) {
        const int sent = ::sendmmsg(fd, m_messages.data() + done, unsigned(m_queued - done), MSG_DONTWAIT);
        if (sent > 0) {
            for (int i = done; i < done + sent; ++i)
                account(i, true);
            done += sent;
        } else if (sent < 0 && errno == EINTR) {
            continue;
        } else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
            while (done < m_queued)
                account(done++, false);
        } else {
            // This one datagram was refused (no route to its address, ...): skip it, send the rest.
            account(done++, false);
        }
    }
    m_queued = 0;
}

void DatagramBatch::account(int index, bool sent)
{
    PeerCounters* counters = m_counters[std::size_t(index)];
    if (!counters)
        return;
    if (sent) {
        bump(counters->packetsOut);
        bump(counters->bytesOut, m_messages[std::size_t(index)].msg_len);
    } else {
        counters->drops.add(DropReason::SendFailed);
    }
}

} // namespace pvc::core
