#include "signeddocuments.h"

#include "brokersession.h"
#include "brokerstore.h"
#include "common/logging.h"
#include "projectregistry.h"
#include "protocol/brokermessages.h"
#include "security/creditstatement.h"
#include "security/policy.h"
#include "security/revocationlist.h"

#include <QList>

namespace pvc::broker {

using core::brokerprotocol::SignedDocument;

SignedDocuments::SignedDocuments(BrokerStore* store, ProjectRegistry* projects)
    : m_store(store)
    , m_projects(projects)
{
}

void SignedDocuments::sendStored(Session* session)
{
    for (const QString& kind : { QStringLiteral("revocations"), QStringLiteral("policy") })
        if (const auto document = m_store->document(session->project, kind))
            session->send(*document);
    // A member's own credit statement, and nobody else's.
    if (session->role == BrokerRole::Member)
        if (const auto statement = m_store->document(session->project, QStringLiteral("credits:") + session->name))
            session->send(*statement);
}

void SignedDocuments::handleCredits(Session* master, const QJsonObject& message)
{
    const auto document = core::brokerprotocol::CreditsDocument::parse(message);
    if (!document)
        return refuse(master, document.error().code, document.error().detail, false);
    Project* project = m_projects->find(master->project);
    const auto statement = core::CreditStatement::verify(document->statement, project->caPublicPem, master->project);
    if (!statement)
        return refuse(master, statement.error().code, statement.error().detail, false);
    if (statement->host != document->host)
        return refuse(master, "credits.malformed", QStringLiteral("the statement is for another host"), false);
    const QString kind = QStringLiteral("credits:") + document->host;
    if (statement->version <= m_store->documentVersion(master->project, kind))
        return;
    const QJsonObject push = document->toJson();
    if (!m_store->storeDocument(master->project, kind, statement->version, push))
        return refuse(master, "broker.storage_failed", QStringLiteral("could not store the document"), false);
    for (Session* member : std::as_const(project->members))
        if (member->name == document->host)
            member->send(push);
}

void SignedDocuments::handle(Session* master, const QJsonObject& message)
{
    const auto document = SignedDocument::parse(message);
    if (!document)
        return refuse(master, document.error().code, document.error().detail, false);
    Project* project = m_projects->find(master->project);
    const bool isRevocations = document->kind == SignedDocument::Kind::Revocations;
    qint64 version = -1;
    QSet<QString> revoked;
    if (isRevocations) {
        const auto list = core::RevocationList::verify(document->body, project->caPublicPem, master->project);
        if (!list)
            return refuse(master, list.error().code, list.error().detail, false);
        version = list->version;
        revoked = list->serials;
    } else {
        const auto policy = core::SignedPolicy::verify(document->body, project->caPublicPem, master->project);
        if (!policy)
            return refuse(master, policy.error().code, policy.error().detail, false);
        version = policy->version;
    }
    const QString kind = document->kindName();
    if (version <= m_store->documentVersion(master->project, kind))
        return;
    const QJsonObject push = document->toJson();
    if (!m_store->storeDocument(master->project, kind, version, push))
        return refuse(master, "broker.storage_failed", QStringLiteral("could not store the document"), false);
    qCInfo(lcBroker) << "stored" << kind << "version" << version;

    if (isRevocations)
        project->revoked = revoked;
    QList<Session*> revokedSessions;
    for (Session* member : std::as_const(project->members)) {
        member->send(push);
        if (project->revoked.contains(member->serial))
            revokedSessions << member;
    }
    for (Session* other : std::as_const(project->masters))
        if (other != master)
            other->send(push);
    for (Session* member : std::as_const(revokedSessions))
        refuse(member, "hello.revoked", QStringLiteral("this membership has been revoked"), true);
}

} // namespace pvc::broker
