#include "connectivity/tcppunch.h"

#include <QSocketNotifier>
#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pvc::core {

namespace {

QString systemError(int code = errno)
{
    return QString::fromLocal8Bit(strerror(code));
}

TcpEndpoint endpointOf(const sockaddr_in& address)
{
    return { QHostAddress(ntohl(address.sin_addr.s_addr)), ntohs(address.sin_port) };
}

// A TCP socket bound to port on every address, sharing it with the listener and the other attempts.
int sharedPortSocket(quint16 port, QString* error)
{
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    sockaddr_in local {};
    local.sin_family = AF_INET;
    local.sin_port = htons(port);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0
        || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0
        || bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof(local)) != 0) {
        *error = systemError();
        if (fd >= 0)
            ::close(fd);
        return -1;
    }
    return fd;
}

} // namespace

struct TcpPunch::Attempt {
    TcpEndpoint peer;
    int fd = -1;
    QSocketNotifier* notifier = nullptr;
    QDeadlineTimer retryAt; // no new SYN to this peer before then
    int tries = 0;
    QString lastError;
};

TcpPunch::TcpPunch(QObject* parent)
    : QObject(parent)
{
    m_retryTimer.setInterval(RetryIntervalMs / 5);
    m_deadline.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &TcpPunch::handleRetryTick);
    connect(&m_deadline, &QTimer::timeout, this,
        [this] { giveUp(QStringLiteral("tcppunch.timeout"), QStringLiteral("no connection: %1").arg(summary())); });
}

TcpPunch::~TcpPunch()
{
    closeAll();
    if (m_connected >= 0)
        ::close(m_connected);
}

Result<quint16> TcpPunch::listen(quint16 port)
{
    closeAll();
    QString error;
    m_listener = sharedPortSocket(port, &error);
    if (m_listener < 0)
        return makeError("tcppunch.listen_failed", QStringLiteral("port %1: %2").arg(port).arg(error));
    sockaddr_in bound {};
    socklen_t length = sizeof(bound);
    if (::listen(m_listener, 8) != 0 || getsockname(m_listener, reinterpret_cast<sockaddr*>(&bound), &length) != 0) {
        error = systemError();
        closeAll();
        return makeError("tcppunch.listen_failed", QStringLiteral("port %1: %2").arg(port).arg(error));
    }
    m_port = ntohs(bound.sin_port);
    m_listenerNotifier = new QSocketNotifier(m_listener, QSocketNotifier::Read, this);
    connect(m_listenerNotifier, &QSocketNotifier::activated, this, &TcpPunch::handleIncoming);
    m_listenerNotifier->setEnabled(false); // until start()
    return m_port;
}

void TcpPunch::start(const QList<TcpEndpoint>& candidates, int timeoutMs)
{
    const auto failLater = [this](const char* code, const QString& detail) {
        QTimer::singleShot(0, this, [this, code = QString::fromLatin1(code), detail] { Q_EMIT failed(code, detail); });
    };
    if (m_listener < 0 || isRunning())
        return failLater("tcppunch.not_listening", QStringLiteral("listen() first, and start() once"));
    for (const TcpEndpoint& candidate : candidates) {
        if (candidate.address.protocol() == QAbstractSocket::IPv4Protocol) {
            m_attempts.push_back(std::make_unique<Attempt>());
            m_attempts.back()->peer = candidate;
        }
    }
    if (m_attempts.empty())
        return failLater("tcppunch.no_candidates", QStringLiteral("no IPv4 endpoint to punch towards"));
    m_strangers = 0;
    m_listenerNotifier->setEnabled(true);
    m_deadline.start(timeoutMs);
    m_retryTimer.start();
    for (const auto& attempt : m_attempts) {
        if (attempt->peer.port != 0)
            connectTo(*attempt);
    }
}

void TcpPunch::stop()
{
    closeAll();
}

void TcpPunch::connectTo(Attempt& attempt)
{
    QString error;
    attempt.fd = sharedPortSocket(m_port, &error);
    attempt.tries += 1;
    attempt.retryAt = QDeadlineTimer(RetryIntervalMs);
    if (attempt.fd < 0)
        return closeAttempt(attempt, error);
    sockaddr_in peer {};
    peer.sin_family = AF_INET;
    peer.sin_port = htons(attempt.peer.port);
    peer.sin_addr.s_addr = htonl(attempt.peer.address.toIPv4Address());
    // Even a connect() that completes at once is finished from the notifier, never from in here.
    if (::connect(attempt.fd, reinterpret_cast<const sockaddr*>(&peer), sizeof(peer)) != 0 && errno != EINPROGRESS)
        return closeAttempt(attempt, systemError());
    attempt.notifier = new QSocketNotifier(attempt.fd, QSocketNotifier::Write, this);
    connect(attempt.notifier, &QSocketNotifier::activated, this, [this, &attempt] { handleConnectDone(attempt); });
}

void TcpPunch::handleConnectDone(Attempt& attempt)
{
    int error = 0;
    socklen_t length = sizeof(error);
    if (getsockopt(attempt.fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0)
        error = errno;
    if (error != 0)
        return closeAttempt(attempt, systemError(error));
    attempt.notifier->setEnabled(false);
    attempt.notifier->deleteLater();
    attempt.notifier = nullptr;
    finish(std::exchange(attempt.fd, -1), attempt.peer);
}

void TcpPunch::closeAttempt(Attempt& attempt, const QString& error)
{
    attempt.lastError = error;
    if (attempt.notifier) {
        attempt.notifier->setEnabled(false);
        attempt.notifier->deleteLater();
        attempt.notifier = nullptr;
    }
    if (attempt.fd >= 0)
        ::close(attempt.fd);
    attempt.fd = -1;
    if (m_retry)
        return; // handleRetryTick tries again
    // Later, so that failed() is never emitted from inside start() and no loop over attempts breaks.
    // An accept-only candidate can still come in until the deadline.
    QTimer::singleShot(0, this, [this] {
        const auto over = [](const auto& a) { return a->peer.port != 0 && a->fd < 0; };
        if (isRunning() && std::all_of(m_attempts.cbegin(), m_attempts.cend(), over))
            giveUp(QStringLiteral("tcppunch.failed"), QStringLiteral("every attempt failed: %1").arg(summary()));
    });
}

void TcpPunch::handleRetryTick()
{
    if (!m_retry)
        return;
    for (const auto& attempt : m_attempts) {
        if (attempt->peer.port != 0 && attempt->fd < 0 && attempt->retryAt.hasExpired())
            connectTo(*attempt);
    }
}

void TcpPunch::handleIncoming()
{
    for (;;) {
        sockaddr_in from {};
        socklen_t length = sizeof(from);
        const int fd = accept4(m_listener, reinterpret_cast<sockaddr*>(&from), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        const TcpEndpoint peer = endpointOf(from);
        // By address only: a peer behind a symmetric NAT reaches us from a port nobody could predict.
        if (std::any_of(m_attempts.cbegin(), m_attempts.cend(),
                [&](const auto& attempt) { return attempt->peer.address == peer.address; }))
            return finish(fd, peer);
        ::close(fd);
        m_strangers += 1;
    }
}

void TcpPunch::finish(int fd, TcpEndpoint peer)
{
    closeAll();
    m_connected = fd;
    Q_EMIT succeeded(peer);
}

void TcpPunch::giveUp(const QString& code, const QString& detail)
{
    closeAll();
    Q_EMIT failed(code, detail);
}

void TcpPunch::closeAll()
{
    m_deadline.stop();
    m_retryTimer.stop();
    for (const auto& attempt : m_attempts) {
        if (attempt->notifier) {
            attempt->notifier->setEnabled(false);
            attempt->notifier->deleteLater(); // we may be inside its activated() signal
        }
        if (attempt->fd >= 0)
            ::close(attempt->fd);
    }
    m_attempts.clear();
    if (m_listenerNotifier) {
        m_listenerNotifier->setEnabled(false);
        m_listenerNotifier->deleteLater();
        m_listenerNotifier = nullptr;
    }
    if (m_listener >= 0)
        ::close(m_listener);
    m_listener = -1;
}

QString TcpPunch::summary() const
{
    QStringList parts;
    for (const auto& attempt : m_attempts) {
        if (attempt->peer.port == 0) {
            parts << attempt->peer.address.toString() + QStringLiteral(" (accept only)");
            continue;
        }
        parts << QStringLiteral("%1 (%2 connect() calls%3)")
                     .arg(attempt->peer.toString())
                     .arg(attempt->tries)
                     .arg(attempt->lastError.isEmpty() ? QString() : QStringLiteral(", last: ") + attempt->lastError);
    }
    if (m_strangers)
        parts << QStringLiteral("%1 connections from other addresses closed").arg(m_strangers);
    return parts.join(QStringLiteral("; "));
}

} // namespace pvc::core

// Moc output compiled here rather than in the library's shared mocs_compilation.cpp, so that a binary
// that uses one class of this module does not pull in the others (and their libraries).
#include "moc_tcppunch.cpp"
