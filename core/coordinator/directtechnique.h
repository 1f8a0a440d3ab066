#pragma once

#include "protocol/traversal.h"

#include <QJsonObject>
#include <optional>

// What let a tunnel's direct path through (docs/connectivity.md, "How a tunnel finds its path"): ours, the peer's from
// its tunnel-path record, the record that tells the peer ours, and the one shown in the status.
namespace pvc::core {

class PeerSession;
enum class PathKind;

class DirectTechnique {
public:
    Technique ours() const { return m_ours; }
    // Set without telling the peer (the TCP path's technique, or forgetting ours for a new direct path).
    void setOurs(Technique technique) { m_ours = technique; }
    // Ours from the kind of the peer's endpoint the direct path uses; a change is told to the peer.
    void name(bool birthdaySocket, std::optional<CandidateKind> peerEndpoint, PeerSession* session);
    // A tunnel-path record; Technique::None: the peer stops naming a direct technique.
    static void tell(Technique technique, PeerSession* session);
    // The peer's tunnel-path record.
    void readPeerRecord(const QJsonObject& record);
    // What the status shows for a tunnel on this path.
    Technique shown(PathKind path) const;

private:
    Technique m_ours = Technique::None; // for the direct path: public, upnp, udp-punch
    Technique m_peers = Technique::None; // the peer's, from its tunnel-path record
};

} // namespace pvc::core
