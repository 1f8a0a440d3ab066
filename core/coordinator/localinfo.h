#pragma once

#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

// What peers learn of us in the tunnel offer and later tunnel-info records (docs/protocol.md, 4,
// "Peer sessions: authentication and tunnel offers"): endpoints with their kind ("host", "srflx" seen by a broker,
// "upnp" mapped on the router), the NAT's mapping behaviour ("none", "endpoint-independent", "symmetric" or "unknown"),
// and whether our UDP works at all. The peer reads it with readPeerAnnouncement().
namespace pvc::core {

struct LocalInfo {
    QList<QPair<QString, QString>> candidates; // endpoint "ip:port", kind
    QString nat = QStringLiteral("unknown");
    bool udp = false;
    QStringList tcpAddresses; // our public address as brokers see our TCP connections
    bool operator==(const LocalInfo&) const = default;

    // The record of that type ("tunnel" or "tunnel-info") carrying it.
    QJsonObject record(const char* type) const;
};

} // namespace pvc::core
