#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QHostAddress>
#include <QString>

// The subset of STUN (RFC 5389) the broker answers: Binding requests, optionally carrying a
// USERNAME that ties the request to a broker session, answered with XOR-MAPPED-ADDRESS. Plain STUN
// clients (miniupnpd's ext_perform_stun) get the same answer.
namespace pvc::core::stun {

inline constexpr qsizetype MaxMessageBytes = 548; // RFC 5389 section 7.1 for IPv4 without path MTU knowledge
inline constexpr quint16 BindingRequest = 0x0001;
inline constexpr quint16 BindingSuccess = 0x0101;

struct Message {
    quint16 type = 0;
    QByteArray transactionId; // 12 bytes
    QString username;
    QHostAddress mappedAddress;
    quint16 mappedPort = 0;
};

QByteArray newTransactionId();
QByteArray encodeBindingRequest(const QByteArray& transactionId, const QString& username);
QByteArray encodeBindingSuccess(const QByteArray& transactionId, const QHostAddress& address, quint16 port);
// Errors: stun.too_large, stun.truncated, stun.not_stun, stun.bad_attribute.
Result<Message> decode(const QByteArray& datagram);

} // namespace pvc::core::stun
