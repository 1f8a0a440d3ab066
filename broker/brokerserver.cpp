#include "brokerserver.h"

#include "common/jsonfields.h"
#include "common/logging.h"
#include "ipc/framedchannel.h"
#include "protocol/brokerprotocol.h"
#include "protocol/stun.h"
#include "security/certificates.h"
#include "security/keys.h"
#include "security/policy.h"
#include "security/revocationlist.h"

#include <QJsonArray>
#include <QNetworkDatagram>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSslConfiguration>
#include <QSslServer>
#include <QSslSocket>
#include <QTimer>
#include <QUdpSocket>
#include <QtEndian>

namespace pvc::broker {

using core::Result;
using core::str;
using ipc::makeMessage;

namespace {
constexpr int MaxSessions = 4096;
constexpr int MaxPendingEnrolmentsPerProject = 1000;
constexpr int MaxEnrolmentsPerGuest = 4;
constexpr int HelloTimeoutMs = 10000;

QByteArray randomBytes(int count)
{
    QByteArray bytes(count, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32*>(bytes.data()), count / 4);
    return bytes;
}

bool validId(const QString& id)
{
    static const QRegularExpression pattern(QStringLiteral("^[0-9a-f]{16,64}$"));
    return pattern.match(id).hasMatch();
}
} // namespace

BrokerServer::BrokerServer(BrokerStore* store, const QSslCertificate& certificate, const QSslKey& key, QObject* parent)
    : QObject(parent)
    , m_store(store)
    , m_server(new QSslServer(this))
    , m_udp(new QUdpSocket(this))
    , m_stunAlt(new QUdpSocket(this))
    , m_certificate(certificate)
    , m_key(key)
    , m_tlsFingerprint(certificate.digest(QCryptographicHash::Sha256))
{
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setProtocol(QSsl::TlsV1_3OrLater);
    config.setLocalCertificate(m_certificate);
    config.setPrivateKey(m_key);
    config.setPeerVerifyMode(QSslSocket::VerifyNone);
    m_server->setSslConfiguration(config);
    m_server->setHandshakeTimeout(HelloTimeoutMs);
    connect(m_server, &QSslServer::pendingConnectionAvailable, this, &BrokerServer::handleNewConnection);
    connect(m_udp, &QUdpSocket::readyRead, this, &BrokerServer::handleDatagrams);
    connect(m_stunAlt, &QUdpSocket::readyRead, this, &BrokerServer::handleAltStun);

    // Projects seen before a restart come back with their CA and revocation list.
    const QHash<QString, QByteArray> known = m_store->projects();
    for (auto it = known.cbegin(); it != known.cend(); ++it)
        projectFor(it.key(), it.value());
}

bool BrokerServer::listen(const QHostAddress& address, quint16 port, QString* error)
{
    if (!m_server->listen(address, port)) {
        *error = m_server->errorString();
        return false;
    }
    if (!m_udp->bind(address, m_server->serverPort())) {
        *error = QStringLiteral("UDP: ") + m_udp->errorString();
        return false;
    }
    // A second STUN port (any free one, announced in the welcome) lets a member behind a symmetric NAT
    // see that its mapping changes with the destination even when the project has one broker
    // (docs/protocol.md 2.8). Optional.
    if (!m_stunAlt->bind(address, 0))
        qCWarning(lcBroker) << "no second STUN port:" << m_stunAlt->errorString();
    return true;
}

void BrokerServer::handleNewConnection()
{
    while (m_server->hasPendingConnections()) {
        auto* socket = qobject_cast<QSslSocket*>(m_server->nextPendingConnection());
        if (!socket)
            continue;
        if (m_sessions.size() >= MaxSessions) {
            socket->abort();
            socket->deleteLater();
            continue;
        }
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1); // relayed records must not wait for Nagle
        auto owned = std::make_unique<Session>();
        Session* session = owned.get();
        session->id = QString::fromLatin1(randomBytes(16).toHex());
        session->socket = socket;
        session->channel = new ipc::FramedChannel(socket, socket);
        session->nonce = randomBytes(32);
        m_sessions.emplace(socket, std::move(owned));
        m_sessionsById.insert(session->id, session);

        connect(session->channel, &ipc::FramedChannel::messageReceived, this,
            [this, session](const QJsonObject& message) { handleMessage(session, message); });
        connect(session->channel, &ipc::FramedChannel::protocolErrorOccurred, this,
            [this, session](const QString& code, const QString& detail) {
                qCWarning(lcBroker) << "session" << session->id << "sent a bad frame:" << code << detail;
                refuse(session, code.toLatin1().constData(), detail, true);
            });
        connect(socket, &QSslSocket::disconnected, this, [this, socket] {
            const auto it = m_sessions.find(socket);
            if (it != m_sessions.end())
                closeSession(it->second.get());
        });
        QTimer::singleShot(HelloTimeoutMs, socket, [this, socket] {
            const auto it = m_sessions.find(socket);
            if (it != m_sessions.end() && it->second->role == Role::None)
                refuse(it->second.get(), "hello.timeout", QStringLiteral("no hello in time"), true);
        });

        QJsonObject challenge = makeMessage("challenge");
        challenge.insert(QStringLiteral("nonce"), QString::fromLatin1(session->nonce.toBase64()));
        challenge.insert(QStringLiteral("session"), session->id);
        session->channel->send(challenge);
    }
}

void BrokerServer::refuse(Session* session, const char* code, const QString& detail, bool close)
{
    QJsonObject error = makeMessage("error");
    error.insert(QStringLiteral("code"), QString::fromLatin1(code));
    error.insert(QStringLiteral("detail"), detail);
    session->channel->send(error);
    if (close)
        session->socket->disconnectFromHost();
}

void BrokerServer::closeSession(Session* session)
{
    const auto it = m_sessions.find(session->socket);
    if (it == m_sessions.end())
        return;
    std::unique_ptr<Session> owned = std::move(it->second);
    m_sessions.erase(it);
    m_sessionsById.remove(session->id);
    if (session->relayTag)
        m_sessionsByRelayTag.remove(session->relayTag);
    if (m_sessionsByUdp.value(session->udpEndpoint) == session)
        m_sessionsByUdp.remove(session->udpEndpoint);
    for (const QString& stream : QSet<QString>(session->streams))
        closeStream(stream, session, QStringLiteral("relay.peer_gone"));

    const auto projectIt = m_projects.find(session->project);
    if (projectIt != m_projects.end()) {
        Project* project = projectIt->second.get();
        project->masters.remove(session);
        if (session->role == Role::Member && project->members.value(session->name) == session) {
            project->members.remove(session->name);
            m_store->touchMember(session->project, session->name, QDateTime::currentDateTimeUtc());
            broadcastPresence(session->project, session->name, nullptr);
            qCInfo(lcBroker) << "member" << session->name << "left";
        }
    }
    session->socket->deleteLater();
}

void BrokerServer::handleMessage(Session* session, const QJsonObject& message)
{
    const QString type = ipc::messageType(message);
    if (type == QLatin1String("hello"))
        return handleHello(session, message);
    if (session->role == Role::None)
        return refuse(session, "hello.required", QStringLiteral("say hello first"), true);
    if (type == QLatin1String("enrol") && session->role == Role::Guest)
        return handleEnrol(session, message);
    if (type == QLatin1String("enrol-result") && session->role == Role::Master)
        return handleEnrolResult(session, message);
    if ((type == QLatin1String("revocations") || type == QLatin1String("policy")) && session->role == Role::Master)
        return handleSignedDocument(session, message);
    if (session->role == Role::Member) {
        if (type == QLatin1String("relay-open"))
            return handleRelayOpen(session, message);
        if (type == QLatin1String("relay-data"))
            return handleRelayData(session, message);
        if (type == QLatin1String("relay-close"))
            return handleRelayClose(session, message);
    }
    refuse(session, "broker.unexpected", QStringLiteral("'%1' is not allowed here").arg(type), false);
}

BrokerServer::Project* BrokerServer::projectFor(const QString& id, const QByteArray& caPem)
{
    const auto it = m_projects.find(id);
    if (it != m_projects.end())
        return it->second.get();
    // The project id is the CA's fingerprint, so whoever names a project must present its CA.
    const Result<core::certs::CertificateInfo> ca = core::certs::parseCertificate(caPem);
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

void BrokerServer::handleHello(Session* session, const QJsonObject& message)
{
    if (session->role != Role::None)
        return refuse(session, "hello.repeated", QStringLiteral("already said hello"), true);
    const QString projectId = str(message, "project");
    Project* project = projectFor(projectId, str(message, "ca").toLatin1());
    if (!project)
        return refuse(session, "hello.bad_project", QStringLiteral("the CA does not match the project id"), true);

    const QString role = str(message, "role");
    const QByteArray signature = QByteArray::fromBase64(str(message, "sig").toLatin1());
    const QByteArray signedText = core::brokerprotocol::helloSigningText(session->nonce, m_tlsFingerprint);
    session->project = projectId;

    if (role == QLatin1String("guest")) {
        session->role = Role::Guest;
    } else if (role == QLatin1String("master")) {
        if (!core::keys::verify(project->caPublicPem, signedText, signature))
            return refuse(session, "hello.bad_signature", QStringLiteral("not signed by the project CA"), true);
        session->role = Role::Master;
        project->masters.insert(session);
        qCInfo(lcBroker) << "master connected for project" << projectId.left(16);
    } else if (role == QLatin1String("member")) {
        const QByteArray certificate = str(message, "cert").toLatin1();
        const auto info = core::certs::verifyMembership(certificate, project->caPem, QDateTime::currentDateTimeUtc());
        if (!info)
            return refuse(session, "hello.bad_certificate", info.error().code, true);
        if (!core::keys::verify(info->publicKeyPem, signedText, signature))
            return refuse(session, "hello.bad_signature", QStringLiteral("not signed by the certificate's key"), true);
        if (project->revoked.contains(info->serialHex)) {
            if (const auto push = m_store->document(projectId, QStringLiteral("revocations")))
                session->channel->send(*push);
            return refuse(session, "hello.revoked", QStringLiteral("this membership has been revoked"), true);
        }
        session->role = Role::Member;
        session->name = info->commonName;
        session->serial = info->serialHex;
        if (Session* previous = project->members.value(session->name)) {
            // A host that reconnects before its old session timed out replaces it.
            project->members.remove(session->name);
            previous->role = Role::Guest;
            previous->socket->disconnectFromHost();
        }
        project->members.insert(session->name, session);
        do
            session->relayTag = QRandomGenerator::global()->generate();
        while (session->relayTag == 0 || m_sessionsByRelayTag.contains(session->relayTag));
        m_sessionsByRelayTag.insert(session->relayTag, session);
        m_store->upsertMember(projectId, session->name, certificate);
        m_store->touchMember(projectId, session->name, QDateTime::currentDateTimeUtc());
        qCInfo(lcBroker) << "member" << session->name << "connected";
    } else {
        return refuse(session, "hello.bad_role", QStringLiteral("unknown role"), true);
    }

    QJsonObject welcome = makeMessage("welcome");
    welcome.insert(QStringLiteral("session"), session->id);
    if (session->relayTag)
        welcome.insert(QStringLiteral("relay_tag"), qint64(session->relayTag));
    if (m_stunAlt->state() == QAbstractSocket::BoundState)
        welcome.insert(QStringLiteral("stun_alt_port"), m_stunAlt->localPort());
    welcome.insert(QStringLiteral("observed"),
        session->socket->peerAddress().toString() + QLatin1Char(':') + QString::number(session->socket->peerPort()));
    session->channel->send(welcome);

    if (session->role == Role::Member || session->role == Role::Master) {
        sendDocuments(session);
        sendPresenceSnapshot(session, project);
    }
    if (session->role == Role::Member)
        broadcastPresence(projectId, session->name, session);
    if (session->role == Role::Master) {
        for (QJsonObject request : m_store->pendingEnrolments(projectId)) {
            request.insert(QStringLiteral("t"), QStringLiteral("enrol"));
            session->channel->send(request);
        }
    }
}

void BrokerServer::handleEnrol(Session* session, const QJsonObject& message)
{
    const QString id = str(message, "id");
    if (!validId(id))
        return refuse(session, "enrol.bad_request", QStringLiteral("bad request id"), false);
    if (const auto result = m_store->enrolmentResult(session->project, id)) {
        QJsonObject reply = *result;
        reply.insert(QStringLiteral("t"), QStringLiteral("enrol-result"));
        return session->channel->send(reply);
    }
    if (!session->enrolments.contains(id) && session->enrolments.size() >= MaxEnrolmentsPerGuest)
        return refuse(session, "enrol.too_many", QStringLiteral("too many requests from this session"), false);
    if (m_store->pendingEnrolmentCount(session->project) >= MaxPendingEnrolmentsPerProject)
        return refuse(session, "enrol.queue_full", QStringLiteral("the broker's queue is full"), false);
    // The request carries a CSR and an HMAC proof, never the token's secret.
    QJsonObject request = makeMessage("enrol");
    for (const char* key : { "id", "name", "csr", "token_id", "proof" })
        request.insert(QLatin1String(key), message.value(QLatin1String(key)));
    if (!m_store->queueEnrolment(session->project, id, request))
        return refuse(
            session, "broker.storage_failed", QStringLiteral("the broker could not store the request"), false);
    session->enrolments.insert(id);
    QJsonObject queued = makeMessage("enrol-queued");
    queued.insert(QStringLiteral("id"), id);
    queued.insert(QStringLiteral("master_online"), !m_projects[session->project]->masters.isEmpty());
    session->channel->send(queued);
    for (Session* master : std::as_const(m_projects[session->project]->masters))
        master->channel->send(request);
}

void BrokerServer::handleEnrolResult(Session* session, const QJsonObject& message)
{
    const QString id = str(message, "id");
    if (!validId(id))
        return refuse(session, "enrol.bad_request", QStringLiteral("bad request id"), false);
    Project* project = m_projects[session->project].get();
    QJsonObject result = makeMessage("enrol-result");
    for (const char* key : { "id", "ok", "cert", "error", "detail" })
        if (message.contains(QLatin1String(key)))
            result.insert(QLatin1String(key), message.value(QLatin1String(key)));
    if (message.value(QLatin1String("ok")).toBool()) {
        const QByteArray certificate = str(message, "cert").toLatin1();
        const auto info = core::certs::verifyMembership(certificate, project->caPem, QDateTime::currentDateTimeUtc());
        if (!info)
            return refuse(session, "enrol.bad_certificate", info.error().code, false);
        m_store->upsertMember(session->project, info->commonName, certificate);
    }
    if (!m_store->storeEnrolmentResult(session->project, id, result))
        return refuse(session, "broker.storage_failed", QStringLiteral("could not store the result"), false);
    for (const auto& [socket, other] : m_sessions)
        if (other->role == Role::Guest && other->project == session->project && other->enrolments.contains(id))
            other->channel->send(result);
}

bool BrokerServer::applyRevocations(const QString& projectId, Project* project, const QJsonObject& signedList)
{
    const auto list = core::RevocationList::verify(signedList, project->caPublicPem, projectId);
    if (!list)
        return false;
    project->revoked = list->serials;
    return true;
}

void BrokerServer::sendDocuments(Session* session)
{
    for (const QString& kind : { QStringLiteral("revocations"), QStringLiteral("policy") })
        if (const auto document = m_store->document(session->project, kind))
            session->channel->send(*document);
}

// The master's signed documents: the revocation list ("list") and the global policy ("policy").
// The broker checks the signature so that it stores nothing forged, keeps the newest version, and
// pushes it to every session of the project. Hosts check the signature again themselves.
void BrokerServer::handleSignedDocument(Session* session, const QJsonObject& message)
{
    Project* project = m_projects[session->project].get();
    const QString kind = ipc::messageType(message);
    const bool isRevocations = kind == QLatin1String("revocations");
    const QJsonObject body = message.value(isRevocations ? QLatin1String("list") : QLatin1String("policy")).toObject();
    qint64 version = -1;
    QSet<QString> revoked;
    if (isRevocations) {
        const auto list = core::RevocationList::verify(body, project->caPublicPem, session->project);
        if (!list)
            return refuse(session, list.error().code.toLatin1().constData(), list.error().detail, false);
        version = list->version;
        revoked = list->serials;
    } else {
        const auto policy = core::SignedPolicy::verify(body, project->caPublicPem, session->project);
        if (!policy)
            return refuse(session, policy.error().code.toLatin1().constData(), policy.error().detail, false);
        version = policy->version;
    }
    if (version <= m_store->documentVersion(session->project, kind))
        return;
    QJsonObject push = makeMessage(isRevocations ? "revocations" : "policy");
    push.insert(isRevocations ? QStringLiteral("list") : QStringLiteral("policy"), body);
    if (!m_store->storeDocument(session->project, kind, version, push))
        return refuse(session, "broker.storage_failed", QStringLiteral("could not store the document"), false);
    qCInfo(lcBroker) << "stored" << kind << "version" << version;

    QList<Session*> revokedSessions;
    if (isRevocations)
        project->revoked = revoked;
    for (Session* member : std::as_const(project->members)) {
        member->channel->send(push);
        if (project->revoked.contains(member->serial))
            revokedSessions << member;
    }
    for (Session* master : std::as_const(project->masters))
        if (master != session)
            master->channel->send(push);
    for (Session* member : std::as_const(revokedSessions))
        refuse(member, "hello.revoked", QStringLiteral("this membership has been revoked"), true);
}

QJsonObject BrokerServer::presenceOf(
    Project* project, const QString& name, const QByteArray& certificatePem, const QDateTime& lastSeen) const
{
    QJsonObject presence = makeMessage("presence");
    Session* online = project->members.value(name);
    presence.insert(QStringLiteral("name"), name);
    presence.insert(QStringLiteral("cert"), QString::fromLatin1(certificatePem));
    presence.insert(QStringLiteral("online"), online != nullptr);
    presence.insert(QStringLiteral("last_seen"),
        online ? QDateTime::currentDateTimeUtc().toString(Qt::ISODate) : lastSeen.toString(Qt::ISODate));
    if (online) {
        presence.insert(QStringLiteral("tcp"),
            online->socket->peerAddress().toString() + QLatin1Char(':') + QString::number(online->socket->peerPort()));
        if (!online->udpEndpoint.isEmpty()) {
            presence.insert(QStringLiteral("udp"), online->udpEndpoint);
            presence.insert(QStringLiteral("relay_tag"), qint64(online->relayTag));
        }
    }
    return presence;
}

void BrokerServer::sendPresenceSnapshot(Session* session, Project* project)
{
    for (const BrokerStore::Member& member : m_store->members(session->project))
        if (member.name != session->name)
            session->channel->send(presenceOf(project, member.name, member.certificatePem, member.lastSeen));
}

void BrokerServer::broadcastPresence(const QString& projectId, const QString& name, const Session* except)
{
    Project* project = m_projects[projectId].get();
    QByteArray certificate;
    QDateTime lastSeen;
    for (const BrokerStore::Member& member : m_store->members(projectId))
        if (member.name == name) {
            certificate = member.certificatePem;
            lastSeen = member.lastSeen;
        }
    if (certificate.isEmpty())
        return;
    const QJsonObject presence = presenceOf(project, name, certificate, lastSeen);
    for (Session* member : std::as_const(project->members))
        if (member != except && member->name != name)
            member->channel->send(presence);
    for (Session* master : std::as_const(project->masters))
        master->channel->send(presence);
}

void BrokerServer::handleRelayOpen(Session* session, const QJsonObject& message)
{
    const QString streamId = str(message, "stream");
    const QString target = str(message, "to");
    if (!validId(streamId) || m_streams.contains(streamId))
        return refuse(session, "relay.bad_stream", QStringLiteral("bad or duplicate stream id"), false);
    Session* peer = m_projects[session->project]->members.value(target);
    if (session->streams.size() >= core::brokerprotocol::MaxRelayStreamsPerSession || !peer || peer == session
        || peer->streams.size() >= core::brokerprotocol::MaxRelayStreamsPerSession) {
        QJsonObject closed = makeMessage("relay-close");
        closed.insert(QStringLiteral("stream"), streamId);
        closed.insert(QStringLiteral("error"),
            !peer ? QStringLiteral("relay.peer_offline")
                  : (peer == session ? QStringLiteral("relay.self") : QStringLiteral("relay.busy")));
        return session->channel->send(closed);
    }
    m_streams.insert(streamId, Stream { session, peer });
    session->streams.insert(streamId);
    peer->streams.insert(streamId);
    QJsonObject open = makeMessage("relay-open");
    open.insert(QStringLiteral("stream"), streamId);
    open.insert(QStringLiteral("from"), session->name);
    peer->channel->send(open);
}

void BrokerServer::handleRelayData(Session* session, const QJsonObject& message)
{
    const QString streamId = str(message, "stream");
    const auto it = m_streams.constFind(streamId);
    if (it == m_streams.cend() || (it->opener != session && it->acceptor != session))
        return refuse(session, "relay.bad_stream", QStringLiteral("no such stream"), false);
    if (str(message, "data").size() > core::brokerprotocol::MaxRelayChunkBytes * 4 / 3 + 4)
        return refuse(session, "relay.too_large", QStringLiteral("relay chunk too large"), false);
    Session* other = it->opener == session ? it->acceptor : it->opener;
    QJsonObject data = makeMessage("relay-data");
    data.insert(QStringLiteral("stream"), streamId);
    data.insert(QStringLiteral("data"), message.value(QLatin1String("data")));
    other->channel->send(data);
}

void BrokerServer::handleRelayClose(Session* session, const QJsonObject& message)
{
    const QString streamId = str(message, "stream");
    const auto it = m_streams.constFind(streamId);
    if (it != m_streams.cend() && (it->opener == session || it->acceptor == session))
        closeStream(streamId, session, str(message, "error"));
}

void BrokerServer::closeStream(const QString& streamId, Session* closer, const QString& error)
{
    const Stream stream = m_streams.take(streamId);
    if (!stream.opener)
        return;
    stream.opener->streams.remove(streamId);
    stream.acceptor->streams.remove(streamId);
    Session* other = stream.opener == closer ? stream.acceptor : stream.opener;
    QJsonObject closed = makeMessage("relay-close");
    closed.insert(QStringLiteral("stream"), streamId);
    if (!error.isEmpty())
        closed.insert(QStringLiteral("error"), error);
    other->channel->send(closed);
}

} // namespace pvc::broker
