#include "security/policy.h"

#include "common/ipprotocol.h"
#include "common/membername.h"
#include "security/keys.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>

namespace pvc::core {

namespace {
const QString FormatV1 = QStringLiteral("pvc-policy-1");
const QString AnyWord = QStringLiteral("any");

// Host and group names follow the enrolment rule for machine names (common/membername.h).
bool isName(QStringView name)
{
    return isMemberName(name);
}

// A port is 1..65535 in plain decimal: no sign, no spaces, no leading zero.
std::optional<quint16> parsePort(QStringView text)
{
    if (text.isEmpty() || text.size() > 5 || text.front() == u'0')
        return std::nullopt;
    quint32 value = 0;
    for (const QChar c : text) {
        if (c < u'0' || c > u'9')
            return std::nullopt;
        value = value * 10 + quint32(c.unicode() - u'0');
    }
    if (value > 65535)
        return std::nullopt;
    return quint16(value);
}

std::optional<quint8> parseProtocol(const QJsonValue& value)
{
    const QString text = value.isString() ? value.toString() : QString();
    if (text == AnyWord)
        return quint8(0);
    if (text == QLatin1String("tcp"))
        return ipproto::Tcp;
    if (text == QLatin1String("udp"))
        return ipproto::Udp;
    if (text == QLatin1String("icmp"))
        return ipproto::Icmp;
    return std::nullopt;
}

std::optional<ManagerAddress> parseManager(const QJsonValue& value)
{
    const QString text = value.isString() ? value.toString() : QString();
    const qsizetype colon = text.indexOf(u':');
    if (colon < 0 || !isName(QStringView(text).left(colon)))
        return std::nullopt;
    const auto port = parsePort(QStringView(text).mid(colon + 1));
    if (!port)
        return std::nullopt;
    return ManagerAddress { text.left(colon), *port };
}

Error badRule(qsizetype index, const QString& what)
{
    return makeError("policy.bad_rule", QStringLiteral("rule %1: %2").arg(index + 1).arg(what));
}

QByteArray canonical(const QJsonObject& body)
{
    // QJsonObject keeps keys sorted, so the compact form is canonical for our own bodies.
    return "pvc-policy-v1\n" + QJsonDocument(body).toJson(QJsonDocument::Compact);
}
} // namespace

bool Policy::Selector::matches(const Endpoint& endpoint) const
{
    switch (kind) {
    case Any:
        return true;
    case Group:
        return endpoint.groups.contains(name);
    case Host:
        return endpoint.name == name;
    }
    return false;
}

std::optional<Policy::Selector> Policy::Selector::parse(const QJsonValue& value)
{
    const QString text = value.isString() ? value.toString() : QString();
    if (text == AnyWord)
        return Selector {};
    if (text.startsWith(QLatin1String("group:")) && isName(QStringView(text).mid(6)))
        return Selector { Group, text.mid(6) };
    if (text.startsWith(QLatin1String("host:")) && isName(QStringView(text).mid(5)))
        return Selector { Host, text.mid(5) };
    return std::nullopt;
}

Result<Policy> Policy::parse(const QByteArray& json)
{
    if (json.size() > MaxBytes)
        return makeError("policy.too_large", QStringLiteral("a policy is at most %1 bytes").arg(MaxBytes));
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (!document.isObject())
        return makeError("policy.malformed",
            parseError.error != QJsonParseError::NoError ? parseError.errorString()
                                                         : QStringLiteral("a policy is a JSON object"));
    return fromJson(document.object());
}

namespace {
// The fields beside the rules: the format, no unknown field, and the optional manager.
Result<std::optional<ManagerAddress>> parseTopLevel(const QJsonObject& object)
{
    if (object.value(QLatin1String("format")).toString() != FormatV1)
        return makeError("policy.bad_format", QStringLiteral("expected \"format\": \"%1\"").arg(FormatV1));
    for (auto it = object.begin(); it != object.end(); ++it)
        if (it.key() != QLatin1String("format") && it.key() != QLatin1String("rules")
            && it.key() != QLatin1String("manager"))
            return makeError("policy.malformed", QStringLiteral("unknown field \"%1\"").arg(it.key()));
    if (!object.contains(QLatin1String("manager")))
        return std::optional<ManagerAddress>();
    const auto manager = parseManager(object.value(QLatin1String("manager")));
    if (!manager)
        return makeError("policy.bad_manager",
            QStringLiteral("\"manager\" must be \"NAME:PORT\": a member's lowercase name and a port 1-65535"));
    return std::optional<ManagerAddress>(manager);
}
} // namespace

Result<Policy> Policy::fromJson(const QJsonObject& object)
{
    const auto manager = parseTopLevel(object);
    if (!manager.ok())
        return manager.error();
    const QJsonValue rulesValue = object.value(QLatin1String("rules"));
    if (!rulesValue.isArray())
        return makeError("policy.malformed", QStringLiteral("\"rules\" must be an array"));
    const QJsonArray rules = rulesValue.toArray();
    if (rules.size() > MaxRules)
        return makeError("policy.too_many_rules", QStringLiteral("a policy has at most %1 rules").arg(MaxRules));

    static const QSet<QString> known
        = { QStringLiteral("from"), QStringLiteral("to"), QStringLiteral("proto"), QStringLiteral("ports") };
    Policy policy;
    policy.m_manager = *manager;
    policy.m_rules.reserve(rules.size());
    for (qsizetype i = 0; i < rules.size(); ++i) {
        if (!rules.at(i).isObject())
            return badRule(i, QStringLiteral("not an object"));
        const QJsonObject rule = rules.at(i).toObject();
        for (auto it = rule.begin(); it != rule.end(); ++it)
            if (!known.contains(it.key()))
                return badRule(i, QStringLiteral("unknown field \"%1\"").arg(it.key()));

        Rule parsed;
        const auto from = Selector::parse(rule.value(QLatin1String("from")));
        const auto to = Selector::parse(rule.value(QLatin1String("to")));
        if (!from || !to)
            return badRule(i,
                QStringLiteral("\"%1\" must be \"any\", \"group:NAME\" or \"host:NAME\" with a lowercase name")
                    .arg(from ? QLatin1String("to") : QLatin1String("from")));
        parsed.from = *from;
        parsed.to = *to;

        const auto protocol = parseProtocol(rule.value(QLatin1String("proto")));
        if (!protocol)
            return badRule(i, QStringLiteral("\"proto\" must be \"any\", \"tcp\", \"udp\" or \"icmp\""));
        parsed.protocol = *protocol;

        const QJsonValue ports = rule.value(QLatin1String("ports"));
        if (!ports.isUndefined() && ports != QJsonValue(AnyWord)) {
            if (parsed.protocol != ipproto::Tcp && parsed.protocol != ipproto::Udp)
                return badRule(i, QStringLiteral("\"ports\" applies only to tcp and udp"));
            const QString text = ports.toString();
            const qsizetype dash = text.indexOf(u'-');
            const auto first = parsePort(dash < 0 ? QStringView(text) : QStringView(text).left(dash));
            const auto last = dash < 0 ? first : parsePort(QStringView(text).mid(dash + 1));
            // A non-string "ports" reads as "" here and fails like any other bad port.
            if (!first || !last || *first > *last)
                return badRule(i, QStringLiteral("\"ports\" must be \"any\", a port 1-65535, or a range \"N-M\""));
            parsed.firstPort = *first;
            parsed.lastPort = *last;
        }
        policy.m_rules.append(parsed);
    }
    return policy;
}

bool Policy::allowsNew(const Endpoint& from, const Endpoint& to, quint8 protocol, quint16 destinationPort) const
{
    for (const Rule& rule : m_rules) {
        if (rule.protocol != 0 && rule.protocol != protocol)
            continue;
        if (rule.protocol != 0 && (destinationPort < rule.firstPort || destinationPort > rule.lastPort))
            continue;
        if (rule.from.matches(from) && rule.to.matches(to))
            return true;
    }
    return false;
}

QJsonObject Policy::toJson() const
{
    const auto selector = [](const Selector& s) {
        switch (s.kind) {
        case Selector::Group:
            return QStringLiteral("group:") + s.name;
        case Selector::Host:
            return QStringLiteral("host:") + s.name;
        case Selector::Any:
            break;
        }
        return AnyWord;
    };
    QJsonArray rules;
    for (const Rule& rule : m_rules) {
        QJsonObject object { { QStringLiteral("from"), selector(rule.from) },
            { QStringLiteral("to"), selector(rule.to) } };
        switch (rule.protocol) {
        case ipproto::Tcp:
            object.insert(QStringLiteral("proto"), QStringLiteral("tcp"));
            break;
        case ipproto::Udp:
            object.insert(QStringLiteral("proto"), QStringLiteral("udp"));
            break;
        case ipproto::Icmp:
            object.insert(QStringLiteral("proto"), QStringLiteral("icmp"));
            break;
        default:
            object.insert(QStringLiteral("proto"), AnyWord);
            break;
        }
        if (rule.protocol == ipproto::Tcp || rule.protocol == ipproto::Udp) {
            QString ports = AnyWord;
            if (rule.firstPort != 0 || rule.lastPort != 65535)
                ports = rule.firstPort == rule.lastPort
                    ? QString::number(rule.firstPort)
                    : QStringLiteral("%1-%2").arg(rule.firstPort).arg(rule.lastPort);
            object.insert(QStringLiteral("ports"), ports);
        }
        rules.append(object);
    }
    QJsonObject policy { { QStringLiteral("format"), FormatV1 }, { QStringLiteral("rules"), rules } };
    if (m_manager)
        policy.insert(QStringLiteral("manager"), m_manager->toString());
    return policy;
}

Result<QJsonObject> SignedPolicy::sign(const QByteArray& caPrivatePem) const
{
    const QJsonObject body { { QStringLiteral("project"), project }, { QStringLiteral("version"), version },
        { QStringLiteral("issued"), issued.toUTC().toString(Qt::ISODate) },
        { QStringLiteral("policy"), policy.toJson() } };
    const Result<QByteArray> signature = keys::sign(caPrivatePem, canonical(body));
    if (!signature)
        return signature.error();
    return QJsonObject { { QStringLiteral("body"), body },
        { QStringLiteral("sig"), QString::fromLatin1(signature->toBase64()) } };
}

Result<SignedPolicy> SignedPolicy::verify(
    const QJsonObject& signedPolicy, const QByteArray& caPublicPem, const QString& project)
{
    const QJsonObject body = signedPolicy.value(QLatin1String("body")).toObject();
    const QByteArray signature = QByteArray::fromBase64(signedPolicy.value(QLatin1String("sig")).toString().toLatin1());
    if (body.isEmpty() || signature.size() != 64)
        return makeError("policy.malformed", QStringLiteral("signed policy has no body or signature"));
    const QByteArray message = canonical(body);
    if (message.size() > Policy::MaxBytes + 1024)
        return makeError("policy.malformed", QStringLiteral("signed policy is too large"));
    if (!keys::verify(caPublicPem, message, signature))
        return makeError("policy.bad_signature", QStringLiteral("policy is not signed by the master"));

    SignedPolicy result;
    result.project = body.value(QLatin1String("project")).toString();
    result.version = body.value(QLatin1String("version")).toInteger(-1);
    result.issued = QDateTime::fromString(body.value(QLatin1String("issued")).toString(), Qt::ISODate);
    if (result.version < 0 || !result.issued.isValid() || !body.value(QLatin1String("policy")).isObject())
        return makeError("policy.malformed", QStringLiteral("signed policy has a bad version, date or policy"));
    if (result.project != project)
        return makeError("policy.wrong_project", QStringLiteral("policy is for another project"));
    Result<Policy> parsed = Policy::fromJson(body.value(QLatin1String("policy")).toObject());
    if (!parsed)
        return parsed.error();
    result.policy = std::move(parsed).value();
    return result;
}

} // namespace pvc::core
