#include "relaystreams.h"

#include "brokersession.h"
#include "projectregistry.h"
#include "protocol/brokermessages.h"

namespace pvc::broker {

namespace bp = core::brokerprotocol;

RelayStreams::RelayStreams(ProjectRegistry* projects)
    : m_projects(projects)
{
}

void RelayStreams::handleOpen(Session* session, const QJsonObject& message)
{
    const auto open = bp::RelayOpen::parse(message);
    if (!open)
        return refuse(session, open.error().code, open.error().detail, false);
    if (!bp::isValidId(open->stream) || m_streams.contains(open->stream))
        return refuse(session, "relay.bad_stream", QStringLiteral("bad or duplicate stream id"), false);
    Session* peer = m_projects->find(session->project)->members.value(open->to);
    if (session->streams.size() >= bp::MaxRelayStreamsPerSession || !peer || peer == session
        || peer->streams.size() >= bp::MaxRelayStreamsPerSession) {
        const QString error = !peer ? QStringLiteral("relay.peer_offline")
                                    : (peer == session ? QStringLiteral("relay.self") : QStringLiteral("relay.busy"));
        return session->send(bp::RelayClose { open->stream, error }.toJson());
    }
    m_streams.insert(open->stream, Stream { session, peer });
    session->streams.insert(open->stream);
    peer->streams.insert(open->stream);
    peer->send(bp::RelayOpen { open->stream, {}, session->name }.toJson());
}

void RelayStreams::handleData(Session* session, const QJsonObject& message)
{
    const auto data = bp::RelayData::parse(message);
    if (!data)
        return refuse(session, data.error().code, data.error().detail, false);
    const auto it = m_streams.constFind(data->stream);
    if (it == m_streams.cend() || (it->opener != session && it->acceptor != session))
        return refuse(session, "relay.bad_stream", QStringLiteral("no such stream"), false);
    Session* other = it->opener == session ? it->acceptor : it->opener;
    other->send(data->toJson());
}

void RelayStreams::handleClose(Session* session, const QJsonObject& message)
{
    const auto closed = bp::RelayClose::parse(message);
    if (!closed)
        return; // like an unknown stream: nothing to close
    const auto it = m_streams.constFind(closed->stream);
    if (it != m_streams.cend() && (it->opener == session || it->acceptor == session))
        close(closed->stream, session, closed->error);
}

void RelayStreams::closeAllOf(Session* session)
{
    for (const QString& stream : QSet<QString>(session->streams))
        close(stream, session, QStringLiteral("relay.peer_gone"));
}

void RelayStreams::close(const QString& streamId, Session* closer, const QString& error)
{
    const Stream stream = m_streams.take(streamId);
    if (!stream.opener)
        return;
    stream.opener->streams.remove(streamId);
    stream.acceptor->streams.remove(streamId);
    Session* other = stream.opener == closer ? stream.acceptor : stream.opener;
    other->send(bp::RelayClose { streamId, error }.toJson());
}

} // namespace pvc::broker
