#include "coordinator/policystore.h"

#include "common/logging.h"
#include "coordinator/hoststate.h"

namespace pvc::core {

PolicyStore::PolicyStore(const ProjectBundle& bundle, HostState& hostState, QObject* parent)
    : QObject(parent)
    , m_bundle(bundle)
    , m_hostState(hostState)
{
}

void PolicyStore::load()
{
    if (const auto stored = m_hostState.globalPolicy()) {
        if (auto policy = SignedPolicy::verify(*stored, m_bundle.caPublicPem, m_bundle.projectId))
            m_global = std::move(policy).value();
    }
    if (const auto stored = m_hostState.localPolicy()) {
        if (auto policy = Policy::fromJson(*stored))
            m_local = std::move(policy).value();
    }
    apply();
}

void PolicyStore::handleGlobal(const QJsonObject& signedPolicy)
{
    auto policy = SignedPolicy::verify(signedPolicy, m_bundle.caPublicPem, m_bundle.projectId);
    if (!policy) {
        qCWarning(lcDaemon) << "ignoring a global policy:" << policy.error().code;
        return;
    }
    if (m_global && policy->version <= m_global->version)
        return; // never roll back to an older policy
    QString error;
    if (!m_hostState.saveGlobalPolicy(signedPolicy, &error))
        qCWarning(lcDaemon) << "cannot keep the global policy:" << error;
    m_global = std::move(policy).value();
    qCInfo(lcDaemon) << "global policy version" << m_global->version << "with" << m_global->policy.ruleCount()
                     << "rules";
    apply();
}

Result<bool> PolicyStore::setLocal(const QJsonValue& value)
{
    std::optional<QJsonObject> stored;
    if (value.isObject()) {
        auto policy = Policy::fromJson(value.toObject());
        if (!policy)
            return policy.error();
        stored = policy->toJson();
        m_local = std::move(policy).value();
    } else if (value.isNull()) {
        m_local.reset();
    } else {
        return makeError("policy.malformed", QStringLiteral("expected a policy object or null"));
    }
    QString error;
    if (!m_hostState.saveLocalPolicy(stored, &error))
        return makeError("state.write_failed", error);
    apply();
    return true;
}

void PolicyStore::apply()
{
    auto set = std::make_shared<PolicySet>();
    if (m_global)
        set->setGlobal(m_global->policy);
    if (m_local)
        set->setLocal(*m_local);
    m_policy = set;
    Q_EMIT policyChanged(m_policy);
}

QJsonObject PolicyStore::statusJson() const
{
    QJsonObject policy { { QStringLiteral("global_version"), m_global ? m_global->version : 0 },
        { QStringLiteral("global_rules"), m_global ? m_global->policy.ruleCount() : 0 } };
    if (m_local)
        policy.insert(QStringLiteral("local_rules"), m_local->ruleCount());
    if (m_global)
        policy.insert(QStringLiteral("global"), m_global->policy.toJson());
    if (m_local)
        policy.insert(QStringLiteral("local"), m_local->toJson());
    return policy;
}

} // namespace pvc::core
