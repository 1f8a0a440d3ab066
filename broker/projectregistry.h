#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QSet>
#include <QString>
#include <map>
#include <memory>

namespace pvc::broker {

class BrokerStore;
struct Session;

// What the broker knows of one project: its CA (the trust anchor for every check), the serials the
// master revoked, and who is connected in which role.
struct Project {
    QByteArray caPem;
    QByteArray caPublicPem;
    QSet<QString> revoked;
    QHash<QString, Session*> members; // by name
    QSet<Session*> masters;
    QSet<Session*> guests;
};

// The projects this broker serves. The project id is the CA's fingerprint, so whoever names a new
// project must present its CA; projects seen before a restart come back from the store with their
// revocation list.
class ProjectRegistry {
public:
    explicit ProjectRegistry(BrokerStore* store);

    Project* find(const QString& id) const;
    // The known project, or a new one when caPem is a CA certificate whose fingerprint is id; else null.
    Project* findOrAdd(const QString& id, const QByteArray& caPem);
    // Verifies a signed list against the project's CA and, if good, takes its serials.
    bool applyRevocations(const QString& id, Project* project, const QJsonObject& signedList);

private:
    BrokerStore* m_store;
    std::map<QString, std::unique_ptr<Project>> m_projects;
};

} // namespace pvc::broker
