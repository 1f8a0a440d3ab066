#include "security/peersession.h"

#include "common/logging.h"
#include "ipc/frame.h"

#include <QTimer>

namespace pvc::core {

PeerSession::PeerSession(
    const QString& peerName, std::unique_ptr<TlsSession> tls, SendFunction send, PeerCheck check, QObject* parent)
    : QObject(parent)
    , m_peerName(peerName)
    , m_tls(std::move(tls))
    , m_send(std::move(send))
    , m_check(std::move(check))
    , m_records(std::make_unique<ipc::FrameReader>())
    , m_keepalive(new QTimer(this))
{
    m_keepalive->setInterval(KeepaliveMs);
    connect(m_keepalive, &QTimer::timeout, this, &PeerSession::handleKeepalive);
    m_sinceHeard.start();
}

PeerSession::~PeerSession()
{
    for (const auto& waiter : std::as_const(m_pingWaiters))
        waiter(-1);
}

void PeerSession::start()
{
    m_tls->start();
    flush();
    m_keepalive->start();
}

QByteArray PeerSession::peerCertificatePem() const
{
    return m_tls->peerCertificatePem();
}

void PeerSession::flush()
{
    const QByteArray out = m_tls->takeOutgoing();
    if (!out.isEmpty())
        m_send(out);
}

void PeerSession::sendRecord(const QJsonObject& record)
{
    if (m_closed || !m_tls->handshakeComplete())
        return;
    m_tls->write(ipc::encodeFrame(record));
    flush();
}

void PeerSession::handleCiphertext(const QByteArray& bytes)
{
    if (m_closed)
        return;
    m_sinceHeard.restart();
    const bool ok = m_tls->feed(bytes);
    flush(); // also carries a TLS alert to the peer when the handshake failed
    if (!ok)
        return close(m_tls->error().code);
    if (m_tls->handshakeComplete() && !m_helloSent) {
        // The chain is the CA's; whether this is the member we meant, and not revoked, is the caller's call.
        if (const QString refusal = m_check ? m_check(m_tls->peerCertificatePem()) : QString(); !refusal.isEmpty())
            return close(refusal);
        m_helloSent = true;
        QJsonObject hello = ipc::makeMessage("hello");
        sendRecord(hello);
    }
    m_records->append(m_tls->takePlaintext());
    QJsonObject record;
    for (;;) {
        const ipc::FrameReader::Status status = m_records->next(&record);
        if (status == ipc::FrameReader::Status::NeedMore)
            break;
        if (status == ipc::FrameReader::Status::Error)
            return close(QStringLiteral("peer.bad_record"));
        handleRecord(record);
        if (m_closed)
            return;
    }
}

void PeerSession::handleRecord(const QJsonObject& record)
{
    const QString type = ipc::messageType(record);
    if (type == QLatin1String("hello") && !m_authenticated) {
        m_authenticated = true;
        qCInfo(lcPeer) << "authenticated" << m_peerName;
        Q_EMIT authenticated();
        ping({});
    } else if (type == QLatin1String("ping")) {
        QJsonObject pong = ipc::makeMessage("pong");
        pong.insert(QStringLiteral("n"), record.value(QLatin1String("n")));
        sendRecord(pong);
    } else if (type == QLatin1String("pong")) {
        const qint64 n = record.value(QLatin1String("n")).toInteger();
        if (m_pingsOut.contains(n)) {
            m_rttMs = double(m_pingsOut.take(n).nsecsElapsed()) / 1e6;
            if (auto waiter = m_pingWaiters.take(n))
                waiter(m_rttMs);
        }
    } else if (m_authenticated) {
        Q_EMIT recordReceived(record);
    }
}

void PeerSession::ping(std::function<void(double)> done)
{
    if (!m_authenticated || m_closed) {
        if (done)
            done(-1);
        return;
    }
    const qint64 n = m_nextPing++;
    QElapsedTimer timer;
    timer.start();
    m_pingsOut.insert(n, timer);
    if (done) {
        m_pingWaiters.insert(n, std::move(done));
        QTimer::singleShot(DeadAfterMs / 3, this, [this, n] {
            m_pingsOut.remove(n);
            if (auto waiter = m_pingWaiters.take(n))
                waiter(-1);
        });
    }
    QJsonObject record = ipc::makeMessage("ping");
    record.insert(QStringLiteral("n"), n);
    sendRecord(record);
}

void PeerSession::handleKeepalive()
{
    if (m_sinceHeard.elapsed() > DeadAfterMs)
        return close(m_authenticated ? QStringLiteral("peer.timeout") : QStringLiteral("peer.handshake_timeout"));
    // Old unanswered pings are forgotten so the table stays small.
    if (m_pingsOut.size() > 8)
        m_pingsOut.clear();
    ping({});
}

void PeerSession::handleTransportClosed(const QString& code)
{
    if (m_closed)
        return;
    m_closed = true;
    m_keepalive->stop();
    Q_EMIT closed(code.isEmpty() ? QStringLiteral("peer.closed") : code);
}

void PeerSession::close(const QString& code)
{
    if (m_closed)
        return;
    m_closed = true;
    m_keepalive->stop();
    qCInfo(lcPeer) << "session with" << m_peerName << "closed:" << code;
    Q_EMIT closed(code);
}

} // namespace pvc::core
