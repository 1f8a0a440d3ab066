#include "protocol/brokermessages.h"

#include "common/jsonfields.h"

#include <QRegularExpression>
#include <array>
#include <string_view>
#include <utility>

namespace pvc::core::brokerprotocol {

namespace {

constexpr std::array<std::pair<MessageType, const char*>, 16> TypeNames { {
    { MessageType::Challenge, "challenge" },
    { MessageType::Hello, "hello" },
    { MessageType::Welcome, "welcome" },
    { MessageType::Enrol, "enrol" },
    { MessageType::EnrolQueued, "enrol-queued" },
    { MessageType::EnrolResult, "enrol-result" },
    { MessageType::Presence, "presence" },
    { MessageType::Revocations, "revocations" },
    { MessageType::Policy, "policy" },
    { MessageType::RelayOpen, "relay-open" },
    { MessageType::RelayData, "relay-data" },
    { MessageType::RelayClose, "relay-close" },
    { MessageType::Error, "error" },
    { MessageType::Credits, "credits" },
    { MessageType::Renew, "renew" },
    { MessageType::RenewResult, "renew-result" },
} };

QJsonObject header(MessageType type)
{
    return QJsonObject { { QStringLiteral("v"), Version }, { QStringLiteral("t"), toString(type) } };
}

// A string field no longer than limit (absent or not a string reads as empty, as everywhere in the
// protocol: the handler then refuses the empty value with its own code). False when too long.
bool text(const QJsonObject& message, const char* key, qsizetype limit, QString* out)
{
    const QJsonValue value = message.value(QLatin1String(key));
    if (!value.isString()) {
        out->clear();
        return true;
    }
    *out = value.toString();
    return out->size() <= limit;
}

// An optional u32 field (relay tags): absent reads as 0; present, it must be an integer in range.
bool optionalU32(const QJsonObject& message, const char* key, quint32* out)
{
    const QJsonValue value = message.value(QLatin1String(key));
    *out = 0;
    if (value.isUndefined())
        return true;
    const qint64 number = value.toInteger(-1);
    if (!value.isDouble() || number < 0 || number > 0xFFFFFFFFLL)
        return false;
    *out = quint32(number);
    return true;
}

Error malformed(const char* field)
{
    return makeError("broker.malformed", QStringLiteral("bad field '%1'").arg(QLatin1String(field)));
}

} // namespace

QString toString(MessageType type)
{
    for (const auto& [value, name] : TypeNames)
        if (value == type)
            return QLatin1String(name);
    return {};
}

std::optional<MessageType> messageType(const QJsonObject& message)
{
    const QString type = str(message, "t");
    for (const auto& [value, name] : TypeNames)
        if (type == QLatin1String(name))
            return value;
    return std::nullopt;
}

bool isValidId(const QString& id)
{
    static const QRegularExpression pattern(QStringLiteral("^[0-9a-f]{16,64}$"));
    return id.size() <= 64 && pattern.match(id).hasMatch();
}

Result<Challenge> Challenge::parse(const QJsonObject& message)
{
    Challenge challenge;
    QString nonce;
    if (!text(message, "nonce", MaxShortChars, &nonce))
        return malformed("nonce");
    if (!text(message, "session", MaxShortChars, &challenge.session))
        return malformed("session");
    challenge.nonce = QByteArray::fromBase64(nonce.toLatin1());
    return challenge;
}

QJsonObject Challenge::toJson() const
{
    QJsonObject message = header(MessageType::Challenge);
    message.insert(QStringLiteral("nonce"), QString::fromLatin1(nonce.toBase64()));
    message.insert(QStringLiteral("session"), session);
    return message;
}

// The refusals use the codes the same field would have earned from the checks that follow (2.2).
Result<Hello> Hello::parse(const QJsonObject& message)
{
    Hello hello;
    QString ca;
    QString certificate;
    QString signature;
    QString role;
    if (!text(message, "project", MaxShortChars, &hello.project) || !text(message, "ca", MaxPemChars, &ca))
        return makeError("hello.bad_project", QStringLiteral("the project or its CA is too large"));
    if (!text(message, "cert", MaxPemChars, &certificate))
        return makeError("hello.bad_certificate", QStringLiteral("cert.too_large"));
    if (!text(message, "sig", MaxShortChars, &signature))
        return makeError("hello.bad_signature", QStringLiteral("the signature is too large"));
    if (!text(message, "role", MaxShortChars, &role))
        return makeError("hello.bad_role", QStringLiteral("unknown role"));
    hello.caPem = ca.toLatin1();
    hello.certificatePem = certificate.toLatin1();
    hello.signature = QByteArray::fromBase64(signature.toLatin1());
    hello.role = parseBrokerRole(role).value_or(BrokerRole::None);
    return hello;
}

QJsonObject Hello::toJson() const
{
    QJsonObject message = header(MessageType::Hello);
    message.insert(QStringLiteral("role"), toString(role));
    message.insert(QStringLiteral("project"), project);
    message.insert(QStringLiteral("ca"), QString::fromLatin1(caPem));
    if (!certificatePem.isEmpty())
        message.insert(QStringLiteral("cert"), QString::fromLatin1(certificatePem));
    if (!signature.isEmpty())
        message.insert(QStringLiteral("sig"), QString::fromLatin1(signature.toBase64()));
    return message;
}

Result<Welcome> Welcome::parse(const QJsonObject& message)
{
    Welcome welcome;
    if (!text(message, "session", MaxShortChars, &welcome.session))
        return malformed("session");
    if (!text(message, "observed", MaxShortChars, &welcome.observed))
        return malformed("observed");
    if (!optionalU32(message, "relay_tag", &welcome.relayTag))
        return malformed("relay_tag");
    quint32 port = 0;
    if (!optionalU32(message, "stun_alt_port", &port) || port > 0xFFFF)
        return malformed("stun_alt_port");
    welcome.stunAltPort = quint16(port);
    return welcome;
}

QJsonObject Welcome::toJson() const
{
    QJsonObject message = header(MessageType::Welcome);
    message.insert(QStringLiteral("session"), session);
    if (relayTag)
        message.insert(QStringLiteral("relay_tag"), qint64(relayTag));
    if (stunAltPort)
        message.insert(QStringLiteral("stun_alt_port"), stunAltPort);
    message.insert(QStringLiteral("observed"), observed);
    return message;
}

Result<Enrol> Enrol::parse(const QJsonObject& message)
{
    Enrol enrol;
    if (!text(message, "id", MaxShortChars, &enrol.id) || !text(message, "name", MaxShortChars, &enrol.name)
        || !text(message, "csr", MaxPemChars, &enrol.csr) || !text(message, "token_id", MaxShortChars, &enrol.tokenId)
        || !text(message, "proof", MaxShortChars, &enrol.proof))
        return makeError("enrol.bad_request", QStringLiteral("a field of the request is too large"));
    return enrol;
}

QJsonObject Enrol::toJson() const
{
    QJsonObject message = header(MessageType::Enrol);
    message.insert(QStringLiteral("id"), id);
    message.insert(QStringLiteral("name"), name);
    message.insert(QStringLiteral("csr"), csr);
    message.insert(QStringLiteral("token_id"), tokenId);
    message.insert(QStringLiteral("proof"), proof);
    return message;
}

Result<Renew> Renew::parse(const QJsonObject& message)
{
    Renew renew;
    if (!text(message, "id", MaxShortChars, &renew.id) || !text(message, "name", MaxShortChars, &renew.name)
        || !text(message, "csr", MaxPemChars, &renew.csr))
        return makeError("renew.bad_request", QStringLiteral("a field of the request is too large"));
    return renew;
}

QJsonObject Renew::toJson() const
{
    QJsonObject message = header(MessageType::Renew);
    message.insert(QStringLiteral("id"), id);
    message.insert(QStringLiteral("name"), name);
    message.insert(QStringLiteral("csr"), csr);
    return message;
}

Result<EnrolQueued> EnrolQueued::parse(const QJsonObject& message)
{
    EnrolQueued queued;
    if (!text(message, "id", MaxShortChars, &queued.id))
        return malformed("id");
    queued.masterOnline = message.value(QLatin1String("master_online")).toBool();
    return queued;
}

QJsonObject EnrolQueued::toJson() const
{
    QJsonObject message = header(MessageType::EnrolQueued);
    message.insert(QStringLiteral("id"), id);
    message.insert(QStringLiteral("master_online"), masterOnline);
    return message;
}

Result<EnrolResult> EnrolResult::parse(const QJsonObject& message)
{
    EnrolResult result;
    if (!text(message, "id", MaxShortChars, &result.id))
        return makeError("enrol.bad_request", QStringLiteral("bad request id"));
    result.ok = message.value(QLatin1String("ok")).toBool();
    result.renewal = messageType(message) == MessageType::RenewResult;
    const std::pair<const char*, std::optional<QString>*> optional[]
        = { { "cert", &result.certificate }, { "error", &result.error }, { "detail", &result.detail } };
    for (const auto& [key, field] : optional) {
        if (!message.contains(QLatin1String(key)))
            continue;
        QString value;
        if (!text(message, key, key == std::string_view("cert") ? MaxPemChars : MaxDetailChars, &value))
            return makeError("enrol.bad_request", QStringLiteral("'%1' is too large").arg(QLatin1String(key)));
        *field = value;
    }
    return result;
}

QJsonObject EnrolResult::toJson() const
{
    QJsonObject message = header(renewal ? MessageType::RenewResult : MessageType::EnrolResult);
    message.insert(QStringLiteral("id"), id);
    message.insert(QStringLiteral("ok"), ok);
    if (certificate)
        message.insert(QStringLiteral("cert"), *certificate);
    if (error)
        message.insert(QStringLiteral("error"), *error);
    if (detail)
        message.insert(QStringLiteral("detail"), *detail);
    return message;
}

Result<Presence> Presence::parse(const QJsonObject& message)
{
    Presence presence;
    QString certificate;
    QString lastSeen;
    if (!text(message, "name", MaxShortChars, &presence.name) || !text(message, "cert", MaxPemChars, &certificate)
        || !text(message, "last_seen", MaxShortChars, &lastSeen) || !text(message, "tcp", MaxShortChars, &presence.tcp)
        || !text(message, "udp", MaxShortChars, &presence.udp))
        return malformed("presence");
    if (!optionalU32(message, "relay_tag", &presence.relayTag))
        return malformed("relay_tag");
    presence.certificatePem = certificate.toLatin1();
    presence.online = message.value(QLatin1String("online")).toBool();
    presence.lastSeen = QDateTime::fromString(lastSeen, Qt::ISODate);
    return presence;
}

QJsonObject Presence::toJson() const
{
    QJsonObject message = header(MessageType::Presence);
    message.insert(QStringLiteral("name"), name);
    message.insert(QStringLiteral("cert"), QString::fromLatin1(certificatePem));
    message.insert(QStringLiteral("online"), online);
    message.insert(QStringLiteral("last_seen"), lastSeen.toString(Qt::ISODate));
    if (!tcp.isEmpty())
        message.insert(QStringLiteral("tcp"), tcp);
    if (!udp.isEmpty()) {
        message.insert(QStringLiteral("udp"), udp);
        message.insert(QStringLiteral("relay_tag"), qint64(relayTag));
    }
    return message;
}

QString SignedDocument::kindName() const
{
    return toString(kind == Kind::Revocations ? MessageType::Revocations : MessageType::Policy);
}

Result<SignedDocument> SignedDocument::parse(const QJsonObject& message)
{
    SignedDocument document;
    const std::optional<MessageType> type = messageType(message);
    if (type != MessageType::Revocations && type != MessageType::Policy)
        return malformed("t");
    document.kind = type == MessageType::Revocations ? Kind::Revocations : Kind::Policy;
    // A missing or non-object body reads as empty; the signature check refuses it with its own code.
    document.body = message.value(document.kind == Kind::Revocations ? QLatin1String("list") : QLatin1String("policy"))
                        .toObject();
    return document;
}

QJsonObject SignedDocument::toJson() const
{
    const bool revocations = kind == Kind::Revocations;
    QJsonObject message = header(revocations ? MessageType::Revocations : MessageType::Policy);
    message.insert(revocations ? QStringLiteral("list") : QStringLiteral("policy"), body);
    return message;
}

Result<CreditsDocument> CreditsDocument::parse(const QJsonObject& message)
{
    CreditsDocument document;
    if (messageType(message) != MessageType::Credits)
        return malformed("t");
    if (!text(message, "host", MaxShortChars, &document.host) || document.host.isEmpty())
        return malformed("host");
    // A missing or non-object statement reads as empty; the signature check refuses it with its own code.
    document.statement = message.value(QLatin1String("statement")).toObject();
    return document;
}

QJsonObject CreditsDocument::toJson() const
{
    QJsonObject message = header(MessageType::Credits);
    message.insert(QStringLiteral("host"), host);
    message.insert(QStringLiteral("statement"), statement);
    return message;
}

Result<RelayOpen> RelayOpen::parse(const QJsonObject& message)
{
    RelayOpen open;
    if (!text(message, "stream", MaxShortChars, &open.stream) || !text(message, "to", MaxShortChars, &open.to)
        || !text(message, "from", MaxShortChars, &open.from))
        return makeError("relay.bad_stream", QStringLiteral("bad or duplicate stream id"));
    return open;
}

QJsonObject RelayOpen::toJson() const
{
    QJsonObject message = header(MessageType::RelayOpen);
    message.insert(QStringLiteral("stream"), stream);
    if (!to.isEmpty())
        message.insert(QStringLiteral("to"), to);
    if (!from.isEmpty())
        message.insert(QStringLiteral("from"), from);
    return message;
}

Result<RelayData> RelayData::parse(const QJsonObject& message)
{
    RelayData data;
    if (!text(message, "stream", MaxShortChars, &data.stream))
        return makeError("relay.bad_stream", QStringLiteral("no such stream"));
    if (!text(message, "data", MaxRelayDataChars, &data.data))
        return makeError("relay.too_large", QStringLiteral("relay chunk too large"));
    return data;
}

QJsonObject RelayData::toJson() const
{
    QJsonObject message = header(MessageType::RelayData);
    message.insert(QStringLiteral("stream"), stream);
    message.insert(QStringLiteral("data"), data);
    return message;
}

Result<RelayClose> RelayClose::parse(const QJsonObject& message)
{
    RelayClose close;
    if (!text(message, "stream", MaxShortChars, &close.stream) || !text(message, "error", MaxShortChars, &close.error))
        return malformed("relay-close");
    return close;
}

QJsonObject RelayClose::toJson() const
{
    QJsonObject message = header(MessageType::RelayClose);
    message.insert(QStringLiteral("stream"), stream);
    if (!error.isEmpty())
        message.insert(QStringLiteral("error"), error);
    return message;
}

Result<BrokerError> BrokerError::parse(const QJsonObject& message)
{
    BrokerError error;
    if (!text(message, "code", MaxShortChars, &error.code) || !text(message, "detail", MaxDetailChars, &error.detail))
        return malformed("error");
    return error;
}

QJsonObject BrokerError::toJson() const
{
    QJsonObject message = header(MessageType::Error);
    message.insert(QStringLiteral("code"), code);
    message.insert(QStringLiteral("detail"), detail);
    return message;
}

} // namespace pvc::core::brokerprotocol
