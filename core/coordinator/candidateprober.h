#pragma once

#include <QtGlobal>
#include <netinet/in.h>

// The probes one tunnel sends toward its peer (docs/connectivity.md, "How a tunnel finds its path"):
// one to every candidate in a punch round, and sprays to random ports of a symmetric NAT's address.
namespace pvc::core {

class PeerReach;
struct TunnelHost;

class CandidateProber {
public:
    CandidateProber(const TunnelHost& host, quint32 localIndex);

    // Nothing while UDP does not work on either side.
    void punch(const PeerReach& peer) const;
    void spray(const sockaddr_in& endpoint, int count) const;

private:
    const TunnelHost& m_host;
    const quint32 m_localIndex;
};

} // namespace pvc::core
