#pragma once

#include <QByteArray>
#include <QDeadlineTimer>
#include <QString>
#include <utility>

struct msghdr;

namespace pvc::core {

// The client end of a Unix stream socket over which the other side passes descriptors along with its
// bytes (SCM_RIGHTS ancillary data, unix(7)), as pvc-helper does with the TUN devices and DNS sockets
// it opens. Blocking, but every call gives up at the deadline it is given. At most one received
// descriptor is held until taken; the protocols here never pass more, so any further ones are closed
// at once rather than leaked into pvcd.
class UnixFdSocket {
public:
    enum class Sent { All, TimedOut, Failed };
    struct Received {
        enum class Status { Data, TimedOut, Closed, Failed } status = Status::Failed;
        QByteArray data;
        QString error; // Failed: the system's reason
    };

    UnixFdSocket() = default;
    ~UnixFdSocket() { close(); }
    UnixFdSocket(const UnixFdSocket&) = delete;
    UnixFdSocket& operator=(const UnixFdSocket&) = delete;

    // Close-on-exec. *error: why not, without a code.
    bool connectTo(const QString& path, QString* error);
    bool isOpen() const { return m_fd >= 0; }
    // The peer's uid as the kernel saw it at connect (SO_PEERCRED); -1 if unknown.
    qint64 peerUid() const;
    // Also closes a descriptor received and not taken.
    void close();

    // Failed: a send error stopped it early (the peer may have closed; what it said may still be
    // readable).
    Sent sendAll(const QByteArray& data, const QDeadlineTimer& deadline);
    // Waits for bytes, reads at most maxBytes of them and keeps the first descriptor that came along.
    Received receive(qint64 maxBytes, const QDeadlineTimer& deadline);
    // The descriptor received since the last take (close-on-exec), now the caller's; -1 if none.
    int takeDescriptor() { return std::exchange(m_passed, -1); }

private:
    void keepDescriptors(msghdr* header);

    int m_fd = -1;
    int m_passed = -1;
};

} // namespace pvc::core
