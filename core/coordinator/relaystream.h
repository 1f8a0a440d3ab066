#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <functional>

namespace pvc::core {

class BrokerConnection;

// The broker's TCP relay streams that carry peer sessions (docs/protocol.md, "Relay streams"): their
// messages are spelled here once, so PeerDirectory reads as session logic rather than framing.
namespace relaystream {

// 128 random bits in hex: a stream id a third member cannot guess.
QString newId();
QJsonObject open(const QString& streamId, const QString& to);
QJsonObject close(const QString& streamId, const QString& error);
// Sends a session's bytes as relay-data messages no bigger than the broker accepts.
std::function<void(const QByteArray&)> sender(BrokerConnection* broker, const QString& streamId);

} // namespace relaystream
} // namespace pvc::core
