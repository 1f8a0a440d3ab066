#pragma once

#include <QString>
#include <QStringView>
#include <optional>

// The vocabulary of NAT traversal that peers exchange in tunnel records and pvcd shows in its status
// (docs/protocol.md, "Peer records"; docs/connectivity.md). Each name is spelled once, here.
namespace pvc::core {

// How this host's NAT maps one socket toward different destinations (RFC 4787 section 4.1).
enum class NatKind { Unknown, None, EndpointIndependent, Symmetric };
// Where a candidate endpoint came from: our own interface, a broker's observation, a UPnP mapping.
enum class CandidateKind { Host, Srflx, Upnp };
// What let a direct path through, or Relay when there is none.
enum class Technique { None, Public, Upnp, UdpPunch, TcpPunch, Ttcp, Relay };
// The role a broker session was welcomed with.
enum class BrokerRole { None, Guest, Member, Master };

QString toString(NatKind kind);
QString toString(CandidateKind kind);
QString toString(Technique technique); // Technique::None is the empty string
QString toString(BrokerRole role); // BrokerRole::None is the empty string

// Unknown spellings give nullopt: a peer's record is never trusted to name something we do not know.
std::optional<NatKind> parseNatKind(QStringView text);
std::optional<CandidateKind> parseCandidateKind(QStringView text);
std::optional<Technique> parseTechnique(QStringView text);
std::optional<BrokerRole> parseBrokerRole(QStringView text);

} // namespace pvc::core
