#include "presenceboard.h"

#include "brokersession.h"
#include "brokerstore.h"
#include "projectregistry.h"
#include "protocol/brokermessages.h"

namespace pvc::broker {

using core::brokerprotocol::Presence;

PresenceBoard::PresenceBoard(BrokerStore* store, ProjectRegistry* projects)
    : m_store(store)
    , m_projects(projects)
{
}

Presence PresenceBoard::presenceOf(
    Project* project, const QString& name, const QByteArray& certificatePem, const QDateTime& lastSeen) const
{
    Presence presence;
    const Session* online = project->members.value(name);
    presence.name = name;
    presence.certificatePem = certificatePem;
    presence.online = online != nullptr;
    presence.lastSeen = online ? QDateTime::currentDateTimeUtc() : lastSeen;
    if (online) {
        presence.tcp = online->observed;
        presence.udp = online->udpEndpoint;
        presence.relayTag = online->relayTag;
    }
    return presence;
}

void PresenceBoard::sendSnapshot(Session* session, Project* project)
{
    for (const BrokerStore::Member& member : m_store->members(session->project))
        if (member.name != session->name)
            session->send(presenceOf(project, member.name, member.certificatePem, member.lastSeen).toJson());
}

void PresenceBoard::broadcast(const QString& projectId, const QString& name, const Session* except)
{
    Project* project = m_projects->find(projectId);
    if (!project)
        return;
    QByteArray certificate;
    QDateTime lastSeen;
    for (const BrokerStore::Member& member : m_store->members(projectId))
        if (member.name == name) {
            certificate = member.certificatePem;
            lastSeen = member.lastSeen;
        }
    if (certificate.isEmpty())
        return;
    const QJsonObject presence = presenceOf(project, name, certificate, lastSeen).toJson();
    for (Session* member : std::as_const(project->members))
        if (member != except && member->name != name)
            member->send(presence);
    for (Session* master : std::as_const(project->masters))
        master->send(presence);
}

} // namespace pvc::broker
