#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <optional>

namespace pvc::broker {

// The broker's persistent state (SQLite through Qt SQL): the projects it has seen (by CA),
// master-signed member certificates with last-seen times, queued enrolment requests and their
// answers, and the latest signed revocation list and policy per project. Nothing here is secret.
class BrokerStore {
public:
    struct Member {
        QString name;
        QByteArray certificatePem;
        QDateTime lastSeen;
    };

    ~BrokerStore();
    bool open(const QString& directory, QString* error);

    bool rememberProject(const QString& project, const QByteArray& caPem);
    QHash<QString, QByteArray> projects() const;

    bool upsertMember(const QString& project, const QString& name, const QByteArray& certificatePem);
    bool touchMember(const QString& project, const QString& name, const QDateTime& when);
    QList<Member> members(const QString& project) const;

    bool queueEnrolment(const QString& project, const QString& id, const QJsonObject& request);
    QList<QJsonObject> pendingEnrolments(const QString& project) const;
    int pendingEnrolmentCount(const QString& project) const;
    std::optional<QJsonObject> enrolmentResult(const QString& project, const QString& id) const;
    bool storeEnrolmentResult(const QString& project, const QString& id, const QJsonObject& result);

    // Master-signed documents, newest version per kind ("revocations", "policy"). A lower or equal
    // version never replaces a stored one.
    bool storeDocument(const QString& project, const QString& kind, qint64 version, const QJsonObject& document);
    std::optional<QJsonObject> document(const QString& project, const QString& kind) const;
    qint64 documentVersion(const QString& project, const QString& kind) const;

private:
    QString m_connectionName;
};

} // namespace pvc::broker
