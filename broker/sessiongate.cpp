#include "sessiongate.h"

#include "brokersession.h"
#include "brokerstore.h"
#include "common/logging.h"
#include "projectregistry.h"
#include "protocol/brokermessages.h"
#include "security/certificates.h"
#include "security/keys.h"

namespace pvc::broker {

namespace bp = core::brokerprotocol;

SessionGate::SessionGate(BrokerStore* store, ProjectRegistry* projects, const QByteArray& tlsFingerprint)
    : m_store(store)
    , m_projects(projects)
    , m_tlsFingerprint(tlsFingerprint)
{
}

Project* SessionGate::admit(Session* session, const QJsonObject& message)
{
    const auto hello = bp::Hello::parse(message);
    if (!hello) {
        refuse(session, hello.error().code, hello.error().detail, true);
        return nullptr;
    }
    Project* project = m_projects->findOrAdd(hello->project, hello->caPem);
    if (!project) {
        refuse(session, "hello.bad_project", QStringLiteral("the CA does not match the project id"), true);
        return nullptr;
    }
    session->project = hello->project;
    bool admitted = false;
    switch (hello->role) {
    case BrokerRole::Guest:
        session->role = BrokerRole::Guest;
        project->guests.insert(session);
        admitted = true;
        break;
    case BrokerRole::Master:
        admitted = admitMaster(session, project, *hello);
        break;
    case BrokerRole::Member:
        admitted = admitMember(session, project, *hello);
        break;
    case BrokerRole::None:
        refuse(session, "hello.bad_role", QStringLiteral("unknown role"), true);
        break;
    }
    return admitted ? project : nullptr;
}

bool SessionGate::admitMaster(Session* session, Project* project, const bp::Hello& hello)
{
    const QByteArray signedText = bp::helloSigningText(session->nonce, m_tlsFingerprint);
    if (!core::keys::verify(project->caPublicPem, signedText, hello.signature)) {
        refuse(session, "hello.bad_signature", QStringLiteral("not signed by the project CA"), true);
        return false;
    }
    session->role = BrokerRole::Master;
    project->masters.insert(session);
    qCInfo(lcBroker) << "master connected for project" << hello.project.left(16);
    return true;
}

bool SessionGate::admitMember(Session* session, Project* project, const bp::Hello& hello)
{
    const auto info
        = core::certs::verifyMembership(hello.certificatePem, project->caPem, QDateTime::currentDateTimeUtc());
    if (!info) {
        refuse(session, "hello.bad_certificate", info.error().code, true);
        return false;
    }
    const QByteArray signedText = bp::helloSigningText(session->nonce, m_tlsFingerprint);
    if (!core::keys::verify(info->publicKeyPem, signedText, hello.signature)) {
        refuse(session, "hello.bad_signature", QStringLiteral("not signed by the certificate's key"), true);
        return false;
    }
    if (project->revoked.contains(info->serialHex)) {
        // The member learns why: the list that revokes it comes before the refusal.
        if (const auto push = m_store->document(hello.project, QStringLiteral("revocations")))
            session->send(*push);
        refuse(session, "hello.revoked", QStringLiteral("this membership has been revoked"), true);
        return false;
    }
    session->role = BrokerRole::Member;
    session->name = info->commonName;
    session->serial = info->serialHex;
    if (Session* previous = project->members.value(session->name)) {
        // A host that reconnects before its old session timed out replaces it.
        project->members.remove(session->name);
        previous->role = BrokerRole::Guest;
        previous->close();
    }
    project->members.insert(session->name, session);
    m_store->upsertMember(hello.project, session->name, hello.certificatePem);
    m_store->touchMember(hello.project, session->name, QDateTime::currentDateTimeUtc());
    qCInfo(lcBroker) << "member" << session->name << "connected";
    return true;
}

} // namespace pvc::broker
