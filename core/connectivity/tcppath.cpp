#include "connectivity/tcppath.h"

#include "common/logging.h"
#include "connectivity/tcppunch.h"
#include "connectivity/udpendpoint.h"
#include "ipc/frame.h"
#include "security/peersession.h"
#include "tunnel/tcpframes.h"

#include <QTcpSocket>
#include <unistd.h>

namespace pvc::core {

namespace {
constexpr int TcpPunchTimeoutMs = 5000;
constexpr qint64 MaxTcpBacklogBytes = 512 * 1024;

QList<TcpEndpoint> tcpCandidates(const QStringList& addresses, quint16 port)
{
    QList<TcpEndpoint> out;
    for (const QString& text : addresses) {
        const QHostAddress address(text);
        const TcpEndpoint endpoint { address, port };
        if (address.protocol() == QAbstractSocket::IPv4Protocol && port && !out.contains(endpoint))
            out.append(endpoint);
    }
    return out;
}
} // namespace

bool servesTtcp(NatKind local, NatKind peer, bool tlsClient)
{
    return local == NatKind::None && (peer != NatKind::None || tlsClient);
}

QString peerPublicAddress(const TcpPath::View& view)
{
    if (!view.peerTcpAddresses.isEmpty())
        return view.peerTcpAddresses.first();
    return view.peerPublic.sin_port ? addressOf(view.peerPublic).toString() : QString();
}

TcpPath::TcpPath(const QString& peer, HelperClient* helper, std::function<View()> view, QObject* parent)
    : QObject(parent)
    , m_name(peer)
    , m_helper(helper)
    , m_view(std::move(view))
{
}

TcpPath::~TcpPath()
{
    release();
}

QStringList TcpPath::punchAddresses(const View& view) const
{
    return view.peerTcpAddresses + view.peerHostAddresses;
}

void TcpPath::startPunch(quint16 peerPort)
{
    if (m_punch)
        m_punch->deleteLater();
    auto* punch = new TcpPunch(this);
    m_punch = punch;
    const auto port = punch->listen(0);
    if (!port) {
        qCWarning(lcDaemon) << "no TCP punching to" << m_name << ":" << port.error().code << port.error().detail;
        punch->deleteLater();
        return;
    }
    connect(punch, &TcpPunch::succeeded, this, [this, punch](const TcpEndpoint& peer) {
        const int fd = punch->takeSocket();
        punch->deleteLater();
        if (m_punch != punch) {
            ::close(fd);
            return;
        }
        adopt(fd, peer.toString(), Technique::TcpPunch);
    });
    connect(punch, &TcpPunch::failed, this, [this, punch](const QString& code, const QString& detail) {
        punch->deleteLater();
        qCInfo(lcDaemon) << "TCP hole punching to" << m_name << "failed:" << code << detail;
        if (m_punch == punch)
            handlePunchFailed(code, detail);
    });
    const View view = m_view();
    QJsonObject record = ipc::makeMessage("tunnel-tcp");
    record.insert(QStringLiteral("port"), *port);
    record.insert(QStringLiteral("phase"), peerPort ? QStringLiteral("answer") : QStringLiteral("offer"));
    if (view.session)
        view.session->sendRecord(record);
    if (peerPort) {
        const QStringList addresses = punchAddresses(view);
        punch->start(tcpCandidates(addresses, peerPort), TcpPunchTimeoutMs);
        qCInfo(lcDaemon) << "TCP hole punching to" << m_name << "from port" << *port << "to port" << peerPort << "of"
                         << addresses;
    }
}

// Traversing-TCP next, from the side whose own address is reachable (no NAT in front of it).
void TcpPath::handlePunchFailed(const QString&, const QString&)
{
    m_punch.clear();
    const View view = m_view();
    const bool weServe = servesTtcp(view.localNat, view.peerNat, view.session && view.session->isTlsClient());
    if (weServe && m_helper && !m_ttcpTried && view.peerNat != NatKind::Symmetric)
        startTtcpServer();
    else
        qCInfo(lcDaemon) << "staying on the relay to" << m_name;
}

void TcpPath::handleTcpRecord(const QJsonObject& record)
{
    const qint64 port = record.value(QLatin1String("port")).toInteger();
    const QString phase = record.value(QLatin1String("phase")).toString();
    const View view = m_view();
    if (port < 1 || port > 65535 || view.onTcp)
        return;
    if (phase == QLatin1String("offer")) {
        startPunch(quint16(port)); // we answer with our port and punch at once
    } else if (phase == QLatin1String("answer") && m_punch && !m_punch->isRunning()) {
        const QStringList addresses = punchAddresses(view);
        m_punch->start(tcpCandidates(addresses, quint16(port)), TcpPunchTimeoutMs);
        qCInfo(lcDaemon) << "TCP hole punching to" << m_name << "from port" << m_punch->localPort() << "to port" << port
                         << "of" << addresses;
    }
}

void TcpPath::adopt(int fd, const QString& peer, Technique technique)
{
    release();
    auto* socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(fd)) {
        ::close(fd);
        delete socket;
        return;
    }
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    socket->setSocketOption(QAbstractSocket::KeepAliveOption, 1);
    connect(socket, &QTcpSocket::readyRead, this, &TcpPath::readFrames);
    connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
        if (m_tcp == socket)
            Q_EMIT lost(QStringLiteral("the TCP connection closed"));
    });
    m_tcp = socket;
    m_frames = std::make_shared<TcpFrameReader>();
    m_peerText = peer;
    Q_EMIT connected(peer, technique);
}

bool TcpPath::send(const QByteArray& datagram)
{
    if (!m_tcp || m_tcp->state() != QAbstractSocket::ConnectedState)
        return false;
    if (m_tcp->bytesToWrite() > MaxTcpBacklogBytes)
        return true; // dropped, like a full queue
    m_tcp->write(TcpFrameReader::frame(datagram));
    return true;
}

void TcpPath::readFrames()
{
    if (!m_tcp || !m_frames)
        return;
    const std::shared_ptr<TcpFrameReader> frames = m_frames; // a lost path releases it
    for (const QByteArray& datagram : frames->feed(m_tcp->readAll()))
        Q_EMIT datagramReceived(datagram);
    if (frames->failed()) {
        qCWarning(lcDaemon) << "bad frame on the TCP path to" << m_name << ": closing it";
        Q_EMIT lost(QStringLiteral("a bad frame on the TCP path"));
    }
}

void TcpPath::release()
{
    if (m_tcp) {
        m_tcp->disconnect(this);
        m_tcp->abort();
        m_tcp->deleteLater();
    }
    m_tcp.clear();
    m_frames.reset();
    m_peerText.clear();
}

} // namespace pvc::core
