#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <optional>

// What a host keeps in its state directory: its key (0600, made on the first Join), its
// membership certificate, a pending enrolment that survives restarts, and the newest revocation
// list it has verified (so that no broker can roll it back).
namespace pvc::core {

class HostState {
public:
    explicit HostState(const QString& directory);
    bool prepare(QString* error);
    QString directory() const { return m_directory; }

    bool hasKey() const;
    // Makes the host key if there is none yet.
    Result<QByteArray> ensureKey();
    Result<QByteArray> key() const;

    QByteArray membership() const;
    bool saveMembership(const QByteArray& certificatePem, QString* error);

    std::optional<QJsonObject> pendingEnrolment() const;
    bool savePendingEnrolment(const QJsonObject& request, QString* error);
    void clearPendingEnrolment();

    std::optional<QJsonObject> revocations() const;
    bool saveRevocations(const QJsonObject& signedList, QString* error);

    // The master's signed global policy, and the owner's local policy (absent: none).
    std::optional<QJsonObject> globalPolicy() const;
    bool saveGlobalPolicy(const QJsonObject& signedPolicy, QString* error);
    std::optional<QJsonObject> localPolicy() const;
    bool saveLocalPolicy(const std::optional<QJsonObject>& policy, QString* error);

    // `pvc leave`: forget the membership and any pending enrolment. The host key stays, so the
    // master recognises the machine if it joins again under the same name. The revocation list stays.
    void forgetMembership();

private:
    QString path(const char* name) const;

    QString m_directory;
};

} // namespace pvc::core
