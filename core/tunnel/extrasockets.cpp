#include "tunnel/extrasockets.h"

#include <algorithm>
#include <sys/epoll.h>
#include <unistd.h>

namespace pvc::core {

bool ExtraSockets::add(int epollFd, int fd, std::uint32_t tag)
{
    epoll_event event {};
    event.events = EPOLLIN;
    event.data.u32 = tag;
    if (fd < 0 || m_fds.size() >= std::size_t(MaxCount) || ::epoll_ctl(epollFd, EPOLL_CTL_ADD, fd, &event) != 0) {
        if (fd >= 0)
            ::close(fd);
        return false;
    }
    m_fds.push_back(fd);
    return true;
}

bool ExtraSockets::contains(int fd) const
{
    return std::find(m_fds.begin(), m_fds.end(), fd) != m_fds.end();
}

bool ExtraSockets::close(int epollFd, int fd)
{
    const auto it = std::find(m_fds.begin(), m_fds.end(), fd);
    if (it == m_fds.end())
        return false;
    ::epoll_ctl(epollFd, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    m_fds.erase(it);
    return true;
}

void ExtraSockets::closeAll()
{
    for (const int fd : m_fds)
        ::close(fd);
    m_fds.clear();
}

} // namespace pvc::core
