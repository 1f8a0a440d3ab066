#include "enrolmentqueue.h"

#include "brokersession.h"
#include "brokerstore.h"
#include "projectregistry.h"
#include "protocol/brokermessages.h"
#include "security/certificates.h"

namespace pvc::broker {

namespace bp = core::brokerprotocol;

EnrolmentQueue::EnrolmentQueue(BrokerStore* store, ProjectRegistry* projects)
    : m_store(store)
    , m_projects(projects)
{
}

void EnrolmentQueue::handleEnrol(Session* guest, const QJsonObject& message)
{
    const auto request = bp::Enrol::parse(message);
    if (!request)
        return refuse(guest, request.error().code, request.error().detail, false);
    if (!bp::isValidId(request->id))
        return refuse(guest, "enrol.bad_request", QStringLiteral("bad request id"), false);
    if (const auto result = m_store->enrolmentResult(guest->project, request->id)) {
        QJsonObject reply = *result;
        reply.insert(QStringLiteral("t"), QStringLiteral("enrol-result"));
        return guest->send(reply);
    }
    if (!guest->enrolments.contains(request->id) && guest->enrolments.size() >= MaxPerGuest)
        return refuse(guest, "enrol.too_many", QStringLiteral("too many requests from this session"), false);
    if (m_store->pendingEnrolmentCount(guest->project) >= MaxPendingPerProject)
        return refuse(guest, "enrol.queue_full", QStringLiteral("the broker's queue is full"), false);
    // The request carries a CSR and an HMAC proof, never the token's secret.
    const QJsonObject forward = request->toJson();
    if (!m_store->queueEnrolment(guest->project, request->id, forward))
        return refuse(guest, "broker.storage_failed", QStringLiteral("the broker could not store the request"), false);
    guest->enrolments.insert(request->id);
    Project* project = m_projects->find(guest->project);
    guest->send(bp::EnrolQueued { request->id, !project->masters.isEmpty() }.toJson());
    for (Session* master : std::as_const(project->masters))
        master->send(forward);
}

void EnrolmentQueue::handleResult(Session* master, const QJsonObject& message)
{
    const auto result = bp::EnrolResult::parse(message);
    if (!result)
        return refuse(master, result.error().code, result.error().detail, false);
    if (!bp::isValidId(result->id))
        return refuse(master, "enrol.bad_request", QStringLiteral("bad request id"), false);
    Project* project = m_projects->find(master->project);
    if (result->ok) {
        const QByteArray certificate = result->certificate.value_or(QString()).toLatin1();
        const auto info = core::certs::verifyMembership(certificate, project->caPem, QDateTime::currentDateTimeUtc());
        if (!info)
            return refuse(master, "enrol.bad_certificate", info.error().code, false);
        m_store->upsertMember(master->project, info->commonName, certificate);
    }
    const QJsonObject answer = result->toJson();
    if (!m_store->storeEnrolmentResult(master->project, result->id, answer))
        return refuse(master, "broker.storage_failed", QStringLiteral("could not store the result"), false);
    for (Session* guest : std::as_const(project->guests))
        if (guest->enrolments.contains(result->id))
            guest->send(answer);
}

void EnrolmentQueue::handleRenew(Session* session, const QJsonObject& message)
{
    const auto request = bp::Renew::parse(message);
    if (!request)
        return refuse(session, request.error().code, request.error().detail, false);
    if (!bp::isValidId(request->id))
        return refuse(session, "renew.bad_request", QStringLiteral("bad request id"), false);
    if (session->role == BrokerRole::Member && request->name != session->name)
        return refuse(session, "renew.not_yours", QStringLiteral("a member renews only its own certificate"), false);
    if (!session->renewals.contains(request->id) && session->renewals.size() >= MaxPerGuest)
        return refuse(session, "renew.too_many", QStringLiteral("too many requests from this session"), false);
    Project* project = m_projects->find(session->project);
    if (project->masters.isEmpty())
        return refuse(session, "renew.no_master", QStringLiteral("no master is connected to this broker"), false);
    session->renewals.insert(request->id);
    const QJsonObject forward = request->toJson();
    for (Session* master : std::as_const(project->masters))
        master->send(forward);
}

Session* EnrolmentQueue::handleRenewResult(Session* master, const QJsonObject& message)
{
    const auto result = bp::EnrolResult::parse(message);
    if (!result || !bp::isValidId(result->id)) {
        refuse(master, "renew.bad_request", QStringLiteral("bad renewal result"), false);
        return nullptr;
    }
    Project* project = m_projects->find(master->project);
    Session* renewed = nullptr;
    if (result->ok) {
        const QByteArray certificate = result->certificate.value_or(QString()).toLatin1();
        const auto info = core::certs::verifyMembership(certificate, project->caPem, QDateTime::currentDateTimeUtc());
        if (!info) {
            refuse(master, "renew.bad_certificate", info.error().code, false);
            return nullptr;
        }
        m_store->upsertMember(master->project, info->commonName, certificate);
        renewed = project->members.value(info->commonName);
        if (renewed)
            renewed->serial = info->serialHex;
    }
    const QJsonObject answer = result->toJson();
    for (Session* session : std::as_const(project->guests))
        if (session->renewals.remove(result->id))
            session->send(answer);
    for (Session* session : std::as_const(project->members))
        if (session->renewals.remove(result->id))
            session->send(answer);
    return renewed;
}

void EnrolmentQueue::sendPending(Session* master)
{
    for (QJsonObject request : m_store->pendingEnrolments(master->project)) {
        request.insert(QStringLiteral("t"), QStringLiteral("enrol"));
        master->send(request);
    }
}

} // namespace pvc::broker
