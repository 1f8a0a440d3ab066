#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>
#include <QVector>
#include <optional>

// Inbound access rules for the overlay (docs/policy.md). A rule allows NEW flows from a peer to
// this host; everything else inbound is refused. Replies to flows this host opened are the
// connection tracker's business (tunnel/conntrack.h), not the policy's.
namespace pvc::core {

// Where the project's Work Queue manager listens (docs/grid.md): a member's name and a TCP port.
struct ManagerAddress {
    static constexpr quint16 DefaultPort = 9123;
    QString host = QStringLiteral("master");
    quint16 port = DefaultPort;

    // "NAME:PORT", the form of the policy's "manager" field.
    QString toString() const { return host + QLatin1Char(':') + QString::number(port); }
    bool operator==(const ManagerAddress&) const = default;
};

// A host as the policy sees it: its membership certificate's name and groups.
struct Endpoint {
    QString name;
    QStringList groups;
};

class Policy {
public:
    static constexpr qsizetype MaxBytes = 64 * 1024;
    static constexpr qsizetype MaxRules = 256;

    // An empty policy: no rules, so it allows nothing.
    Policy() = default;

    // Parses format "pvc-policy-1". Errors: policy.too_large, policy.malformed (not a JSON
    // object, an unknown field), policy.bad_format (missing or unknown "format"),
    // policy.too_many_rules, policy.bad_rule (the detail names the rule and the field),
    // policy.bad_manager ("manager" is not "NAME:PORT").
    static Result<Policy> parse(const QByteArray& json);
    static Result<Policy> fromJson(const QJsonObject& object);

    // protocol is the IP protocol number (ipproto::Tcp ...); destinationPort is ignored unless
    // the protocol is TCP or UDP.
    bool allowsNew(const Endpoint& from, const Endpoint& to, quint8 protocol, quint16 destinationPort) const;

    // The canonical form: parse(toJson()) gives the same rules.
    QJsonObject toJson() const;
    int ruleCount() const { return int(m_rules.size()); }
    // The optional "manager" field: where volunteers' workers connect. Only the global policy's counts.
    const std::optional<ManagerAddress>& manager() const { return m_manager; }

private:
    struct Selector {
        enum Kind : quint8 { Any, Group, Host } kind = Any;
        QString name;
        bool matches(const Endpoint& endpoint) const;
        static std::optional<Selector> parse(const QJsonValue& value);
    };
    struct Rule {
        Selector from;
        Selector to;
        quint8 protocol = 0; // 0: any
        quint16 firstPort = 0;
        quint16 lastPort = 65535;
    };

    QVector<Rule> m_rules;
    std::optional<ManagerAddress> m_manager;
};

// The global policy as the master publishes it, signed with the CA key so that brokers can carry
// it without being able to change it. Hosts refuse a version older than the one they hold.
struct SignedPolicy {
    QString project; // CA fingerprint
    qint64 version = 0;
    QDateTime issued;
    Policy policy;

    // {"body": {"project", "version", "issued", "policy"}, "sig": base64(Ed25519 over
    // "pvc-policy-v1\n" + the compact JSON of body)}
    Result<QJsonObject> sign(const QByteArray& caPrivatePem) const;
    // Errors: policy.malformed, policy.bad_signature, policy.wrong_project, and the errors of
    // Policy::fromJson for a signed body whose rules this version cannot read.
    static Result<SignedPolicy> verify(
        const QJsonObject& signedPolicy, const QByteArray& caPublicPem, const QString& project);
};

// What pvcd enforces: the master's global policy, narrowed by the owner's local one. A local
// policy can only take away: a flow must be allowed by both. With no global policy yet, nothing
// inbound is allowed.
class PolicySet {
public:
    void setGlobal(Policy policy) { m_global = std::move(policy); }
    void setLocal(Policy policy) { m_local = std::move(policy); }
    void clearLocal() { m_local.reset(); }

    bool hasGlobal() const { return m_global.has_value(); }
    // The global policy's manager, or the default (master:9123).
    ManagerAddress manager() const
    {
        return m_global && m_global->manager() ? *m_global->manager() : ManagerAddress {};
    }
    bool hasLocal() const { return m_local.has_value(); }

    bool allowsNew(const Endpoint& from, const Endpoint& to, quint8 protocol, quint16 destinationPort) const
    {
        return m_global && m_global->allowsNew(from, to, protocol, destinationPort)
            && (!m_local || m_local->allowsNew(from, to, protocol, destinationPort));
    }

private:
    std::optional<Policy> m_global;
    std::optional<Policy> m_local;
};

} // namespace pvc::core
