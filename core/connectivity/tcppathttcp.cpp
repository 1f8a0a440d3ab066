// Traversing-TCP (the paper's section 4.4.3) for TcpPath. Server side: we listen and accept only the
// peer; the peer connects, its helper captures the SYN it sent (which our firewall dropped), the SYN
// comes to us over the peer session, and our helper injects it into our own stack. Our SYN-ACK then
// leaves as the answer of a connection our firewall already tracks, and the peer's NAT knows it too.
#include "common/logging.h"
#include "connectivity/helperclient.h"
#include "connectivity/tcppath.h"
#include "connectivity/tcppunch.h"
#include "ipc/frame.h"
#include "security/peersession.h"

#include <unistd.h>

namespace pvc::core {

namespace {
constexpr int TtcpTimeoutMs = 8000;
constexpr qsizetype MaxSynTextBytes = 256;
} // namespace

void TcpPath::startTtcpServer()
{
    m_ttcpTried = true;
    const View view = m_view();
    const QHostAddress client(peerPublicAddress(view));
    if (client.isNull() || !view.session)
        return;
    auto* wait = new TcpPunch(this);
    const auto port = wait->listen(0);
    const auto allowed = port ? m_helper->allowTtcpPort(*port) : Result<bool>(port.error());
    if (!port || !allowed) {
        qCWarning(lcDaemon) << "no Traversing-TCP to" << m_name << ":" << allowed.error().code
                            << allowed.error().detail;
        wait->deleteLater();
        return;
    }
    m_punch = wait;
    connect(wait, &TcpPunch::succeeded, this, [this, wait](const TcpEndpoint& peer) {
        const int fd = wait->takeSocket();
        wait->deleteLater();
        if (m_punch != wait) {
            ::close(fd);
            return;
        }
        m_punch.clear();
        adopt(fd, peer.toString(), Technique::Ttcp);
    });
    connect(wait, &TcpPunch::failed, this, [this, wait](const QString& code, const QString& detail) {
        wait->deleteLater();
        qCInfo(lcDaemon) << "Traversing-TCP from" << m_name << "failed:" << code << detail << "; staying on the relay";
        if (m_punch == wait)
            m_punch.clear();
    });
    wait->start({ TcpEndpoint { client, 0 } }, TtcpTimeoutMs); // accept-only: the injected SYN's connection
    QJsonObject record = ipc::makeMessage("tunnel-ttcp");
    record.insert(QStringLiteral("phase"), QStringLiteral("offer"));
    record.insert(QStringLiteral("port"), *port);
    view.session->sendRecord(record);
    qCInfo(lcDaemon) << "Traversing-TCP: waiting on port" << *port << "for" << m_name << "at" << client.toString();
}

void TcpPath::handleTtcpRecord(const QJsonObject& record)
{
    const QString phase = record.value(QLatin1String("phase")).toString();
    const View view = m_view();
    if (view.onTcp || !m_helper)
        return;
    if (phase == QLatin1String("offer"))
        startTtcpClient(view, record);
    else if (phase == QLatin1String("syn") && m_punch)
        injectSyn(view, record);
}

// We are the client: connect to the peer's address, and hand the SYN our helper saw to the peer.
void TcpPath::startTtcpClient(const View& view, const QJsonObject& record)
{
    const qint64 port = record.value(QLatin1String("port")).toInteger();
    const QHostAddress server(peerPublicAddress(view));
    if (port < 1 || port > 65535 || server.isNull() || m_ttcpClient)
        return;
    m_ttcpTried = true;
    auto* client = new TtcpClient(m_helper, this);
    m_ttcpClient = client;
    if (const auto listening = client->listen(0); !listening) {
        client->deleteLater();
        return;
    }
    connect(client, &TtcpClient::synCaptured, this, [this](const QByteArray& packet) {
        const View now = m_view();
        if (!now.session)
            return;
        QJsonObject syn = ipc::makeMessage("tunnel-ttcp");
        syn.insert(QStringLiteral("phase"), QStringLiteral("syn"));
        syn.insert(QStringLiteral("packet"), QString::fromLatin1(packet.toBase64()));
        now.session->sendRecord(syn);
    });
    connect(client, &TtcpClient::succeeded, this, [this, client](const TcpEndpoint& peer) {
        const int fd = client->takeSocket();
        client->deleteLater();
        if (m_ttcpClient != client) {
            ::close(fd);
            return;
        }
        adopt(fd, peer.toString(), Technique::Ttcp);
    });
    connect(client, &TtcpClient::failed, this, [this, client](const QString& code, const QString& detail) {
        client->deleteLater();
        qCInfo(lcDaemon) << "Traversing-TCP to" << m_name << "failed:" << code << detail << "; staying on the relay";
    });
    client->start({ server, quint16(port) }, TtcpTimeoutMs);
}

// We are the server: the SYN must be for the port we declared, from the peer as brokers see it.
void TcpPath::injectSyn(const View& view, const QJsonObject& record)
{
    const QString text = record.value(QLatin1String("packet")).toString();
    if (text.size() > MaxSynTextBytes)
        return;
    const QHostAddress client(peerPublicAddress(view));
    const auto syn = rewriteSynForInjection(
        QByteArray::fromBase64(text.toLatin1()), { client, 0 }, QHostAddress(), m_punch->localPort());
    const auto injected = syn ? m_helper->injectSyn(*syn) : Result<bool>(syn.error());
    if (!injected)
        qCWarning(lcDaemon) << "Traversing-TCP: the SYN from" << m_name << "was not injected:" << injected.error().code
                            << injected.error().detail;
}

} // namespace pvc::core
