#pragma once

#include <QByteArray>
#include <QPointer>

// The peer session as one tunnel uses it besides its keys (docs/protocol.md, 4, "Peer sessions:
// authentication and tunnel offers"): sealed datagrams in tunnel-packet records when neither a UDP
// nor a TCP path carries them, and the tunnel-punch record asking the peer to spray. The session
// may close before the tunnel goes: then nothing is sent.
namespace pvc::core {

class PeerSession;

class SessionLink {
public:
    explicit SessionLink(PeerSession* session);

    PeerSession* session() const;
    // Dropped, like by a full router queue, when the session's backlog is long: the inner TCP sees
    // the loss and slows down.
    void sendDatagram(const QByteArray& datagram);
    // A port the peer probes that one of our sockets mapped gets through both NATs.
    void askForSpray();

private:
    QPointer<PeerSession> m_session;
};

} // namespace pvc::core
