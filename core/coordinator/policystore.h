#pragma once

#include "common/result.h"
#include "security/policy.h"
#include "security/projectbundle.h"

#include <QJsonObject>
#include <QObject>
#include <memory>
#include <optional>

namespace pvc::core {

class HostState;

// The two firewall policies a host obeys (docs/policy.md): the master's signed global one, which no
// broker can forge or roll back, and the owner's local one. Both survive restarts in the host state;
// the tunnel gets their combination whenever either changes.
class PolicyStore : public QObject {
    Q_OBJECT
public:
    PolicyStore(const ProjectBundle& bundle, HostState& hostState, QObject* parent);

    // The stored policies, as verified when they were saved (a forged file is ignored).
    void load();
    void handleGlobal(const QJsonObject& signedPolicy);
    // `pvc policy set`: a policy object, or null to remove the local policy.
    Result<bool> setLocal(const QJsonValue& value);

    std::shared_ptr<const PolicySet> current() const { return m_policy; }
    // {"global_version", "global_rules", "local_rules"?, "global"?, "local"?} for pvcd's status.
    QJsonObject statusJson() const;

Q_SIGNALS:
    void policyChanged(std::shared_ptr<const PolicySet> policy);

private:
    void apply();

    ProjectBundle m_bundle;
    HostState& m_hostState;
    std::optional<SignedPolicy> m_global;
    std::optional<Policy> m_local;
    std::shared_ptr<const PolicySet> m_policy;
};

} // namespace pvc::core
