#include "coordinator/sessionlink.h"

#include "ipc/frame.h"
#include "security/peersession.h"

namespace pvc::core {

namespace {
constexpr qint64 MaxStreamBacklogBytes = 512 * 1024;
} // namespace

SessionLink::SessionLink(PeerSession* session)
    : m_session(session)
{
}

PeerSession* SessionLink::session() const
{
    return m_session;
}

void SessionLink::sendDatagram(const QByteArray& datagram)
{
    if (!m_session)
        return;
    if (m_session->transportBacklog() > MaxStreamBacklogBytes)
        return;
    QJsonObject record = ipc::makeMessage("tunnel-packet");
    record.insert(QStringLiteral("d"), QString::fromLatin1(datagram.toBase64()));
    m_session->sendRecord(record);
}

void SessionLink::askForSpray()
{
    if (!m_session)
        return;
    QJsonObject record = ipc::makeMessage("tunnel-punch");
    record.insert(QStringLiteral("spray"), true);
    m_session->sendRecord(record);
}

} // namespace pvc::core
