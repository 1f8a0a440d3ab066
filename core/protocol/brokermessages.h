#pragma once

#include "common/result.h"
#include "protocol/brokerprotocol.h"
#include "protocol/traversal.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <optional>

// The broker protocol's messages as types (docs/protocol.md, section 2), so that the broker and the
// master read and write each field in one place. parse() takes a frame's JSON object (the frame codec
// has already bounded it to 64 KiB) and checks every field's type and size before copying it;
// toJson() writes exactly the keys and spellings of the protocol, {"v":1,"t":...} included.
// Semantic checks (signatures, certificates, request id patterns) stay with the handlers, which
// answer them with their documented error codes.
namespace pvc::core::brokerprotocol {

inline constexpr int Version = 1;

// Hard field limits: generous for what honest peers send, far below the frame limit.
inline constexpr qsizetype MaxPemChars = 16 * 1024;
inline constexpr qsizetype MaxShortChars = 256; // names, ids, endpoints, codes, signatures
inline constexpr qsizetype MaxDetailChars = 1024;
inline constexpr qsizetype MaxRelayDataChars = MaxRelayChunkBytes * 4 / 3 + 4; // base64 of a chunk

enum class MessageType {
    Challenge,
    Hello,
    Welcome,
    Enrol,
    EnrolQueued,
    EnrolResult,
    Presence,
    Revocations,
    Policy,
    RelayOpen,
    RelayData,
    RelayClose,
    Error,
    Credits,
    Renew,
    RenewResult
};
QString toString(MessageType type);
// The "t" of a message, or nullopt when it names no broker message.
std::optional<MessageType> messageType(const QJsonObject& message);

// Request and stream ids: 16-64 lowercase hex digits.
bool isValidId(const QString& id);

// Broker → client, first: a fresh nonce to sign and the session id (2.2).
struct Challenge {
    QByteArray nonce; // raw bytes; base64 on the wire
    QString session;
    static Result<Challenge> parse(const QJsonObject& message);
    QJsonObject toJson() const;
};

// Client → broker (2.2). An unknown or missing role parses as BrokerRole::None, which the broker
// refuses (hello.bad_role) only after it has checked the project.
struct Hello {
    QString project;
    QByteArray caPem;
    BrokerRole role = BrokerRole::None;
    QByteArray certificatePem; // members only
    QByteArray signature; // raw Ed25519 bytes; base64 on the wire; members and masters
    static Result<Hello> parse(const QJsonObject& message);
    QJsonObject toJson() const;
};

struct Welcome {
    QString session;
    QString observed; // the client's address:port as the broker sees it
    quint32 relayTag = 0; // members only; 0 = absent
    quint16 stunAltPort = 0; // 0 = the broker has no second STUN port
    static Result<Welcome> parse(const QJsonObject& message);
    QJsonObject toJson() const;
};

// Guest → broker → master (2.4, 3): a CSR and an HMAC proof, never the token's secret.
struct Enrol {
    QString id;
    QString name;
    QString csr;
    QString tokenId;
    QString proof;
    static Result<Enrol> parse(const QJsonObject& message);
    QJsonObject toJson() const;
};

struct EnrolQueued {
    QString id;
    bool masterOnline = false;
    static Result<EnrolQueued> parse(const QJsonObject& message);
    QJsonObject toJson() const;
};

// Member or guest → broker → master (2.4, 3.3): a host asks for a new certificate for the key it already
// has. The CSR, signed by that key, is the proof: the master renews only the key it recorded for the name.
struct Renew {
    QString id;
    QString name;
    QString csr;
    static Result<Renew> parse(const QJsonObject& message);
    QJsonObject toJson() const;
};

// Master → broker → guest: {id, ok, cert} or {id, ok:false, error, detail}. Only the keys present
// are written, so that an answer stored and replayed is byte-for-byte what the master sent. The answer to
// a renewal has the same fields and the type "renew-result".
struct EnrolResult {
    QString id;
    bool ok = false;
    std::optional<QString> certificate;
    std::optional<QString> error;
    std::optional<QString> detail;
    bool renewal = false; // written as "renew-result"
    static Result<EnrolResult> parse(const QJsonObject& message);
    QJsonObject toJson() const;
};

// Broker → members, masters (2.5).
struct Presence {
    QString name;
    QByteArray certificatePem;
    bool online = false;
    QDateTime lastSeen; // invalid = never seen (written as "")
    QString tcp; // only when online
    QString udp; // only when online and learnt by STUN
    quint32 relayTag = 0; // written only with udp
    static Result<Presence> parse(const QJsonObject& message);
    QJsonObject toJson() const;
};

// Master → broker → members, masters (2.6): the signed revocation list ("list") or global policy
// ("policy"). The body is checked by RevocationList::verify / SignedPolicy::verify, not here.
struct SignedDocument {
    enum class Kind { Revocations, Policy };
    Kind kind = Kind::Revocations;
    QJsonObject body;
    // The documents table's kind, which is also the message type: "revocations" or "policy".
    QString kindName() const;
    static Result<SignedDocument> parse(const QJsonObject& message);
    QJsonObject toJson() const;
};

// Master → broker → one member (2.6): the member's signed credit statement (CreditStatement, checked by
// CreditStatement::verify, not here). The broker keeps the latest per host and gives it to that host only.
struct CreditsDocument {
    QString host;
    QJsonObject statement;
    static Result<CreditsDocument> parse(const QJsonObject& message);
    QJsonObject toJson() const;
};

// Relay streams (2.7). "to" is written by the opener, "from" by the broker.
struct RelayOpen {
    QString stream;
    QString to;
    QString from;
    static Result<RelayOpen> parse(const QJsonObject& message);
    QJsonObject toJson() const;
};

struct RelayData {
    QString stream;
    QString data; // base64, forwarded as is: the broker never decodes it
    static Result<RelayData> parse(const QJsonObject& message);
    QJsonObject toJson() const;
};

struct RelayClose {
    QString stream;
    QString error; // optional code; empty = absent
    static Result<RelayClose> parse(const QJsonObject& message);
    QJsonObject toJson() const;
};

struct BrokerError {
    QString code;
    QString detail;
    static Result<BrokerError> parse(const QJsonObject& message);
    QJsonObject toJson() const;
};

} // namespace pvc::core::brokerprotocol
