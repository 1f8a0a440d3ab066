#pragma once

#include "tunnel/packetfilter.h"
#include "tunnel/tunnelsession.h"
#include "tunnel/tunnelstats.h"

#include <QByteArray>
#include <memory>
#include <netinet/in.h>

// What other threads ask of the packet loop (DataPlane's control calls), posted to it and applied
// in order on its thread between two batches (PacketLoop::post).
namespace pvc::core {

struct PacketLoopCommand {
    enum class Kind {
        AddPeer,
        RemovePeer,
        SetEndpoint,
        SetRelay,
        SetFilter,
        SendRaw,
        Inject,
        ProbeTo,
        AddSocket,
        RemoveSocket
    };
    explicit PacketLoopCommand(Kind what)
        : kind(what)
    {
    }
    Kind kind;
    quint32 index = 0; // the session's local index; Inject: the index hint
    std::unique_ptr<TunnelSession> session;
    std::shared_ptr<PeerCounters> counters;
    sockaddr_in address {};
    bool viaRelay = false;
    bool viaStream = false;
    int socket = -1; // SetEndpoint, ProbeTo: an extra socket (AddSocket) instead of the main one; -1: main
    RelayTarget relay;
    std::shared_ptr<PacketFilter> filter;
    QByteArray bytes;
};

} // namespace pvc::core
