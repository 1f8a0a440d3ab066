#include "projectregistry.h"

#include "brokerstore.h"
#include "security/certificates.h"
#include "security/revocationlist.h"

namespace pvc::broker {

ProjectRegistry::ProjectRegistry(BrokerStore* store)
    : m_store(store)
{
    const QHash<QString, QByteArray> known = m_store->projects();
    for (auto it = known.cbegin(); it != known.cend(); ++it)
        findOrAdd(it.key(), it.value());
}

Project* ProjectRegistry::find(const QString& id) const
{
    const auto it = m_projects.find(id);
    return it == m_projects.end() ? nullptr : it->second.get();
}

Project* ProjectRegistry::findOrAdd(const QString& id, const QByteArray& caPem)
{
    if (Project* known = find(id))
        return known;
    const auto ca = core::certs::parseCertificate(caPem);
    if (!ca || !ca->isCa || ca->fingerprint != id)
        return nullptr;
    auto project = std::make_unique<Project>();
    project->caPem = caPem;
    project->caPublicPem = ca->publicKeyPem;
    Project* raw = project.get();
    m_projects.emplace(id, std::move(project));
    m_store->rememberProject(id, caPem);
    if (const auto stored = m_store->document(id, QStringLiteral("revocations")))
        applyRevocations(id, raw, stored->value(QLatin1String("list")).toObject());
    return raw;
}

bool ProjectRegistry::applyRevocations(const QString& id, Project* project, const QJsonObject& signedList)
{
    const auto list = core::RevocationList::verify(signedList, project->caPublicPem, id);
    if (!list)
        return false;
    project->revoked = list->serials;
    return true;
}

} // namespace pvc::broker
