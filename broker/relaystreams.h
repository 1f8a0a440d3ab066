#pragma once

#include <QHash>
#include <QJsonObject>
#include <QString>

namespace pvc::broker {

class ProjectRegistry;
struct Session;

// Relay streams (docs/protocol.md 2.7): opaque byte pipes between two online members of one project,
// for peers that find no direct path. No accept, no acknowledgement, no flow control: the broker
// forwards chunks it cannot read (they are end-to-end encrypted) and tells each end when the other
// is gone.
class RelayStreams {
public:
    explicit RelayStreams(ProjectRegistry* projects);

    void handleOpen(Session* session, const QJsonObject& message);
    void handleData(Session* session, const QJsonObject& message);
    void handleClose(Session* session, const QJsonObject& message);
    // A session that ends closes its streams with relay.peer_gone.
    void closeAllOf(Session* session);
    int count() const { return int(m_streams.size()); }

private:
    struct Stream {
        Session* opener = nullptr;
        Session* acceptor = nullptr;
    };
    void close(const QString& streamId, Session* closer, const QString& error);

    ProjectRegistry* m_projects;
    QHash<QString, Stream> m_streams;
};

} // namespace pvc::broker
