#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

// The master's ledger of members, invite tokens and answered enrolment requests (SQLite, mode 0600:
// it holds the tokens' secrets). `pvc-admin invite`, `revoke` and `hosts` use it while `serve` runs.
namespace pvc::master {

class MasterStore {
public:
    struct Host {
        QString name;
        QString virtualIp;
        QString serialHex;
        QByteArray certificatePem;
        QByteArray publicKeyPem;
        QDateTime issued;
        QDateTime lastSeen;
        bool revoked = false;
    };
    struct Token {
        QString id;
        QByteArray secret;
        int usesLeft = 0;
        QDateTime expires;
        QStringList groups; // what the hosts that join with it belong to
    };

    ~MasterStore();
    bool open(const QString& path, QString* error);

    bool addToken(const Token& token);
    std::optional<Token> token(const QString& id) const;

    std::optional<Host> host(const QString& name) const;
    QList<Host> hosts() const;
    QList<QString> usedAddresses() const;
    quint64 nextSerial();
    bool setLastSeen(const QString& name, const QDateTime& when);
    bool revoke(const QString& name);
    QList<QString> revokedSerials() const;
    qint64 revocationVersion() const;

    // The global policy (pvc-policy-1 JSON) and its version; each set bumps the version.
    bool setPolicy(const QByteArray& policyJson);
    QByteArray policy() const;
    qint64 policyVersion() const;

    std::optional<QByteArray> answeredRequest(const QString& id) const;
    // Records a new or renewed host, spends one use of the token (none for an empty tokenId: a
    // certificate renewal) and remembers the answer, in one transaction, so a crash or a full disk never
    // leaves a spent token without its certificate.
    bool commitEnrolment(const Host& host, const QString& tokenId, const QString& requestId, const QByteArray& answer);
    // Remembers a refusal so that the same request through another broker gets the same answer.
    bool recordRefusal(const QString& requestId, const QByteArray& answer);

private:
    QString meta(const char* key) const;
    bool setMeta(const char* key, const QString& value);

    QString m_connectionName;
};

} // namespace pvc::master
