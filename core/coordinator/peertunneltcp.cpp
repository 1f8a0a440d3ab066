// PeerTunnel's TCP path (connectivity/tcppath.h): what the path may read of the tunnel, and the
// tunnel moving onto the connection, off it, and the datagrams it carries.
#include "common/logging.h"
#include "connectivity/tcppath.h"
#include "coordinator/peertunnel.h"
#include "coordinator/tunnelpathsutil.h"
#include "security/peersession.h"
#include "tunnel/dataplane.h"

namespace pvc::core {

using namespace tunnelpaths;

void PeerTunnel::makeTcpPath()
{
    auto view = [this] {
        TcpPath::View view;
        view.session = session();
        view.localNat = m_host.localNat;
        view.peerNat = m_reach.nat();
        view.peerTcpAddresses = m_reach.tcpAddresses();
        view.peerHostAddresses = m_reach.candidates().hostAddresses();
        view.peerPublic = m_reach.candidates().publicEndpoint();
        view.onTcp = m_state.path == PathKind::DirectTcp;
        return view;
    };
    m_tcp = std::make_unique<TcpPath>(m_name, m_host.helper, view);
    connect(m_tcp.get(), &TcpPath::connected, this, &PeerTunnel::useTcp);
    connect(m_tcp.get(), &TcpPath::datagramReceived, this, [this](const QByteArray& datagram) {
        m_host.dataPlane->injectDatagram(datagram, m_localIndex);
        m_state.confirmed = true;
    });
    connect(m_tcp.get(), &TcpPath::lost, this, &PeerTunnel::useStream);
}

void PeerTunnel::useTcp(const QString& peer, Technique technique)
{
    m_host.dataPlane->setPath(m_localIndex, {}, false, true);
    m_state.path = PathKind::DirectTcp;
    m_state.confirmed = false;
    m_state.pathSinceMs = nowMs();
    m_technique.setOurs(technique);
    qCInfo(lcDaemon) << "direct TCP path to" << m_name << "at" << peer << "(" << toString(technique) << ") after"
                     << (m_state.pathSinceMs - m_state.startedMs) << "ms";
}

} // namespace pvc::core
