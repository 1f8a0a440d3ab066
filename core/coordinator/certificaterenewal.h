#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QObject>
#include <QStringList>

class QTimer;

namespace pvc::core {

class BrokerDispatch;
class ControlApi;
class Enrolment;
class HostState;

// Keeps the membership certificate alive (docs/protocol.md 3.3): when a third of its life is left it asks
// the master, through every broker session it has, for a new certificate for the same key; the master
// answers without an invite unless the host was revoked. It also watches the clock: a certificate that
// runs out before a renewal came ends the identity (Enrolment::markExpired), and the requests go on
// through guest sessions until the master answers. The status shows when, and any error.
class CertificateRenewal : public QObject {
    Q_OBJECT
public:
    struct Modules {
        Enrolment* enrolment;
        BrokerDispatch* brokers;
        ControlApi* control;
    };

    CertificateRenewal(HostState& hostState, const Modules& modules, QObject* parent);
    ~CertificateRenewal() override;

    // When a certificate from notBefore to notAfter should be renewed: a third of its life before its end.
    static QDateTime renewalDue(const QDateTime& notBefore, const QDateTime& notAfter);
    // How long to wait between requests that got no answer: a thirtieth of the life, 1 s to 15 min.
    static qint64 retryIntervalMs(const QDateTime& notBefore, const QDateTime& notAfter);

    // Plans the next step from the current certificate and state (membership started, renewed or ended).
    void reschedule();
    void handleResult(const QJsonObject& message);
    // {"due", "last_renewed", "error": {code, detail}}; empty when not a member.
    QJsonObject statusJson() const;

private:
    void tick();
    void askMaster();
    void setError(const QString& code, const QString& detail);

    HostState& m_hostState;
    Modules m_modules;
    QTimer* m_timer;
    QDateTime m_notBefore;
    QDateTime m_notAfter;
    QDateTime m_due;
    QDateTime m_lastAsked;
    QDateTime m_lastRenewed;
    QStringList m_askedIds; // the last few requests: an answer to any of them counts
    QString m_errorCode;
    QString m_errorDetail;
};

} // namespace pvc::core
