#pragma once

#include "protocol/traversal.h"

#include <QByteArray>
#include <QJsonObject>
#include <QSet>
#include <QString>
#include <functional>

namespace pvc::broker {

using core::BrokerRole;

// One client's session as the broker's logic sees it. The transport (BrokerServer: TLS and frames)
// fills in `send` and `close`, so that everything above it runs, and is tested, without sockets.
struct Session {
    QString id; // 32 lowercase hex, named in the challenge and in STUN USERNAME (docs/protocol.md 2.8)
    QByteArray nonce; // what the hello signs
    BrokerRole role = BrokerRole::None;
    QString project;
    QString name; // members: the certificate's CN
    QString serial; // members: the certificate's serial, checked against revocations
    QString observed; // the client's TCP address:port as this broker sees it
    QString udpEndpoint; // learnt by STUN
    quint32 relayTag = 0; // names this member in relayed datagrams (docs/protocol.md 2.9)
    QSet<QString> streams;
    QSet<QString> enrolments;
    QSet<QString> renewals; // certificate renewals asked through this session, waiting for the master

    std::function<void(const QJsonObject&)> send;
    // Ends the connection; the transport then calls BrokerHub::closeSession.
    std::function<void()> close;
};

// Sends {"t":"error", code, detail} and, for the refusals that end a session (docs/protocol.md 2.3),
// closes it.
void refuse(Session* session, const QString& code, const QString& detail, bool close);
inline void refuse(Session* session, const char* code, const QString& detail, bool close)
{
    refuse(session, QString::fromLatin1(code), detail, close);
}

} // namespace pvc::broker
