#include "tunnel/packetloop.h"

#include <QLoggingCategory>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcDataPlane, "pvc.tunnel", QtInfoMsg)

namespace pvc::core {

namespace {

using namespace std::chrono_literals;

void wake(int eventFd)
{
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t written = ::write(eventFd, &one, sizeof one);
}

} // namespace

PacketLoop::PacketLoop(int tunFd, int udpFd, ForeignHandler onForeignDatagram, StreamHandler onStreamDatagram,
    std::shared_ptr<PacketFilter> filter)
    : m_tunFd(tunFd)
    , m_udpFd(udpFd)
    , m_eventFd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC))
    , m_sender(udpFd, std::move(onStreamDatagram))
    , m_outbound(tunFd, udpFd, m_peers, m_sender, m_drops, nullptr)
    , m_inbound(tunFd, udpFd, m_peers, m_sender, m_drops, std::move(onForeignDatagram), nullptr)
    , m_housekeeping(m_peers, m_sender)
{
    setFilter(filter ? std::move(filter) : std::make_shared<AllowAllFilter>());
}

PacketLoop::~PacketLoop()
{
    stop();
    if (m_eventFd >= 0)
        ::close(m_eventFd);
}

bool PacketLoop::start(Error* error)
{
    auto fail = [error](const char* code, const QString& detail) {
        if (error)
            *error = makeError(code, detail);
        qCWarning(lcDataPlane, "cannot start the data plane: %s", qPrintable(detail));
        return false;
    };
    auto systemError = [](const char* what) {
        return QStringLiteral("%1: %2").arg(QLatin1String(what), QString::fromLocal8Bit(std::strerror(errno)));
    };
    if (m_thread.joinable() || m_epollFd >= 0)
        return fail("tunnel.bad_argument", QStringLiteral("already started"));
    if (m_tunFd < 0 || m_udpFd < 0)
        return fail("tunnel.bad_argument", QStringLiteral("no TUN or UDP file descriptor"));
    if (m_eventFd < 0)
        return fail("tunnel.system", systemError("eventfd"));
    m_epollFd = ::epoll_create1(EPOLL_CLOEXEC);
    if (m_epollFd < 0)
        return fail("tunnel.system", systemError("epoll_create1"));
    for (const auto& [fd, tag] :
        { std::pair { m_eventFd, ControlTag }, std::pair { m_tunFd, TunTag }, std::pair { m_udpFd, UdpTag } }) {
        epoll_event event {};
        event.events = EPOLLIN; // level-triggered: a batch left over wakes us again
        event.data.u32 = tag;
        if (::epoll_ctl(m_epollFd, EPOLL_CTL_ADD, fd, &event) != 0) {
            const QString detail = systemError("epoll_ctl");
            ::close(m_epollFd);
            m_epollFd = -1;
            return fail("tunnel.system", detail);
        }
    }
    m_thread = std::thread([this] { run(); });
    return true;
}

void PacketLoop::stop()
{
    m_stopping = true;
    if (m_eventFd >= 0)
        wake(m_eventFd);
    if (m_thread.joinable())
        m_thread.join();
    if (m_epollFd >= 0) {
        ::close(m_epollFd);
        m_epollFd = -1;
    }
    m_extraSockets.closeAll();
}

void PacketLoop::post(Command command)
{
    {
        const std::lock_guard lock(m_mutex);
        m_commands.push_back(std::move(command));
    }
    wake(m_eventFd);
}

// ---- Everything below runs on the loop's thread. ----

void PacketLoop::run()
{
    pthread_setname_np(pthread_self(), "pvc-dataplane");
    m_housekeeping.schedule(Clock::now());
    applyCommands(Clock::now()); // anything posted before start()
    while (!m_stopping.load(std::memory_order_relaxed))
        handleEvents(waitForEvents());
}

PacketLoop::Ready PacketLoop::waitForEvents()
{
    epoll_event events[MaxEvents];
    const int count = ::epoll_wait(m_epollFd, events, MaxEvents, m_housekeeping.waitMs(Clock::now()));
    if (count < 0 && errno != EINTR) {
        qCWarning(lcDataPlane, "epoll_wait: %s", std::strerror(errno));
        std::this_thread::sleep_for(10ms);
    }
    Ready ready;
    for (int i = 0; i < count; ++i) {
        const std::uint32_t tag = events[i].data.u32;
        if (tag & ExtraSocketTag) {
            ready.extra[ready.extraCount++] = int(tag & ~ExtraSocketTag);
            continue;
        }
        ready.control |= tag == ControlTag;
        ready.udp |= tag == UdpTag;
        if (tag == TunTag && (events[i].events & (EPOLLERR | EPOLLHUP))) {
            // A TUN that went away would wake us forever: stop listening to it.
            qCWarning(lcDataPlane, "the TUN device closed; no more outbound packets");
            ::epoll_ctl(m_epollFd, EPOLL_CTL_DEL, m_tunFd, nullptr);
        } else if (tag == TunTag) {
            ready.tun = true;
        }
    }
    return ready;
}

void PacketLoop::handleEvents(const Ready& ready)
{
    // Commands first, so that a packet never meets a peer or filter the control side replaced.
    const Clock::time_point now = Clock::now();
    if (ready.control) {
        std::uint64_t count = 0;
        [[maybe_unused]] const ssize_t drained = ::read(m_eventFd, &count, sizeof count);
        applyCommands(now);
    }
    if (ready.udp)
        m_inbound.pump(m_udpFd, now);
    for (int i = 0; i < ready.extraCount; ++i) {
        // Only sockets still ours: a command above may have closed one that was ready.
        if (m_extraSockets.contains(ready.extra[i]))
            m_inbound.pump(ready.extra[i], now);
    }
    if (ready.tun)
        m_outbound.pump(now);
    m_housekeeping.runIfDue(now);
}

void PacketLoop::applyCommands(Clock::time_point now)
{
    std::vector<Command> pending;
    {
        const std::lock_guard lock(m_mutex);
        pending.swap(m_commands);
    }
    for (Command& command : pending)
        apply(command, now);
    m_sender.flush();
}

} // namespace pvc::core
