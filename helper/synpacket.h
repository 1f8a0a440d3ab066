#pragma once

#include "common/inetchecksum.h"
#include "validation.h"

#include <QByteArray>
#include <QList>
#include <QSet>

// The one kind of packet pvc-helper sends: the opening SYN of a Traversing-TCP connection (paper
// section 4.4.3), which the client's pvcd relayed through the broker. Checked field by field before it
// is sent; the rules and their order are in docs/helper.md, "inject-syn". No system calls here.
namespace pvc::helper {

// A 20-byte IPv4 header without options and a TCP header of at most 60 bytes, without data.
inline constexpr int MaxSynBytes = 80;

struct SynRules {
    QList<quint32> hostAddresses; // every address of this host (host byte order): never a source
    QList<quint32> subnetEdges; // the network and broadcast addresses of this host's subnets: never a source
    QList<quint32> targetAddresses; // the ones a SYN may be addressed to (not loopback, not 240.0.0.0/4)
    QSet<quint16> allowedPorts; // declared with ttcp-allow on this connection
};

struct Syn {
    quint32 source = 0; // host byte order
    quint32 destination = 0;
    quint16 sourcePort = 0;
    quint16 destinationPort = 0;
};

// Codes: helper.bad_packet (not an IPv4 TCP SYN as Linux sends them), helper.bad_address (source or
// destination not allowed: a special, broadcast or network address, or this host's own as source), helper.not_yours
// (destination port not declared on this connection).
std::optional<Refusal> checkSyn(const QByteArray& packet, const SynRules& rules, Syn* syn);

// RFC 1071, shared with pvcd's SYN builder (core/common/inetchecksum.h).
using core::internetChecksum;

} // namespace pvc::helper
