#pragma once

#include <cstdint>
#include <vector>

// The extra UDP sockets of the packet loop (birthday probing from behind a symmetric NAT,
// TunnelManager): it owns them, registers them with the loop's epoll, and closes them when removed
// or at the end. The packet loop's thread only (and stop(), once the thread is gone).
namespace pvc::core {

class ExtraSockets {
public:
    static constexpr int MaxCount = 512;

    ExtraSockets() = default;
    ~ExtraSockets() { closeAll(); }
    ExtraSockets(const ExtraSockets&) = delete;
    ExtraSockets& operator=(const ExtraSockets&) = delete;

    // Takes fd and listens to it on epollFd with tag; closes it instead if there are MaxCount
    // already or epoll refuses it.
    bool add(int epollFd, int fd, std::uint32_t tag);
    bool contains(int fd) const;
    // Stops listening to fd and closes it; false if it is not ours.
    bool close(int epollFd, int fd);
    void closeAll();

private:
    std::vector<int> m_fds;
};

} // namespace pvc::core
