#include "virtualization/dnsservice.h"

#include <QSocketNotifier>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pvc::core {

namespace {
constexpr int MaxQueriesPerWake = 64; // then back to the event loop; the notifier fires again
}

DnsService::DnsService(int fd, const QString& domain, DnsResponder::Lookup lookup, QObject* parent)
    : QObject(parent)
    , m_fd(fd)
    , m_responder(domain, std::move(lookup))
{
    const int flags = fcntl(m_fd, F_GETFL);
    if (flags >= 0)
        fcntl(m_fd, F_SETFL, flags | O_NONBLOCK);
    m_notifier = new QSocketNotifier(m_fd, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &DnsService::handleReadable);
}

DnsService::~DnsService()
{
    delete m_notifier; // before the socket it watches
    ::close(m_fd);
}

void DnsService::handleReadable()
{
    char buffer[1024];
    for (int i = 0; i < MaxQueriesPerWake; ++i) {
        sockaddr_in from {};
        socklen_t length = sizeof(from);
        const ssize_t size = recvfrom(m_fd, buffer, sizeof(buffer), 0, reinterpret_cast<sockaddr*>(&from), &length);
        if (size < 0)
            return;
        if (const auto answer = m_responder.answer(QByteArray(buffer, qsizetype(size))))
            sendto(
                m_fd, answer->constData(), size_t(answer->size()), 0, reinterpret_cast<const sockaddr*>(&from), length);
    }
}

} // namespace pvc::core
