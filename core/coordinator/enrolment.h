#pragma once

#include "common/result.h"
#include "security/certificates.h"
#include "security/projectbundle.h"
#include "security/revocationlist.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QStringList>
#include <functional>
#include <optional>

class QTimer;

namespace pvc::core {

class HostState;

// The host's membership life cycle (docs/protocol.md, "Enrolment"): disconnected -> enrolling -> member,
// or revoked. Brokers are untrusted, so every decision here rests on what the master signed: the
// certificate that makes us a member and the revocation list that ends it. It owns no connection; it
// tells the coordinator what to send and when the identity starts or ends.
class Enrolment : public QObject {
    Q_OBJECT
public:
    // Expired: the certificate's time is over and no renewal came in time; the host says hello as a guest
    // and CertificateRenewal keeps asking the master, which renews it without an invite.
    enum class State { Disconnected, Enrolling, Member, Expired, Revoked };
    static constexpr int JoinTimeoutMs = 30000;
    // The answer to `pvc join`: an empty code when the host became a member.
    using JoinReply = std::function<void(const QString& code, const QString& detail)>;
    // What a member shows a broker in its hello: its certificate and a signature over the challenge.
    struct MemberProof {
        QByteArray certificatePem;
        QByteArray signature;
    };

    Enrolment(const ProjectBundle& bundle, HostState& hostState, QObject* parent);
    ~Enrolment() override;

    // An enrol result comes through an untrusted broker: the certificate counts only if the master
    // signed it (now valid) for our key and the name we asked for. Error enrol.bad_certificate, whose
    // detail is the reason ("wrong key or name", or the verification's code).
    static Result<certs::CertificateInfo> checkResult(const QByteArray& certificatePem,
        const QByteArray& caCertificatePem, const Result<QByteArray>& hostKey, const QString& expectedName,
        const QDateTime& now);

    void loadRevocations();
    void loadMembership();
    void join(const QJsonObject& arguments, JoinReply reply);
    void leave();
    void handleEnrolResult(const QString& brokerAddress, const QJsonObject& message);
    void handleRevocations(const QJsonObject& signedList);
    // A renewed certificate from the master (through an untrusted broker): kept only if it is the master's,
    // for our key, name and virtual IP. A member keeps its sessions; an expired host becomes a member again.
    Result<bool> adoptRenewal(const QByteArray& certificatePem);
    // The certificate's time is over (CertificateRenewal's clock): the identity stops until a renewal.
    void markExpired();
    void noteBrokerReached() { m_anyBrokerReached = true; }
    void setError(const QString& code, const QString& detail);

    // The enrol message for brokers that welcomed us as a guest, while enrolling.
    std::optional<QJsonObject> pendingEnrolment() const;
    // nullopt: not a member, say hello as a guest. An error: the signature failed.
    std::optional<Result<MemberProof>> memberProof(const QByteArray& nonce, const QByteArray& tlsFingerprint) const;

    State state() const { return m_state; }
    QString stateName() const;
    QString name() const { return m_name; }
    QByteArray certificatePem() const { return m_certificatePem; }
    QString virtualIp() const { return m_virtualIp; }
    QStringList groups() const { return m_groups; }
    QDateTime certificateExpiry() const { return m_certificateExpiry; }
    const RevocationList& revocations() const { return m_revocations; }
    // state, name, virtual_ip, revocation_version, the certificate's serial, groups and expiry, error.
    void describe(QJsonObject& status) const;

Q_SIGNALS:
    // The membership certificate was loaded: peers and the tunnel may start with this identity.
    void becameMember(const QByteArray& privateKeyPem);
    // A member's certificate was replaced by a renewed one: new sessions present it.
    void certificateRenewed(const QByteArray& privateKeyPem);
    // Left or revoked: the identity is gone, sessions and the tunnel must stop.
    void membershipEnded();
    // A join wrote a pending enrolment: brokers that welcomed us as a guest should carry it.
    void enrolmentRequested();
    // Broker sessions must be said again with the new role (member, guest).
    void brokerRestartNeeded(const QString& reason);
    void revocationsChanged(const RevocationList& list);

private:
    void handleJoinTimeout();
    void finishJoin(const QString& code, const QString& detail);
    void becomeMember(const QByteArray& certificatePem);
    void forgetIdentity();
    void takeIdentity(const QByteArray& certificatePem, const certs::CertificateInfo& info);

    ProjectBundle m_bundle;
    HostState& m_hostState;
    State m_state = State::Disconnected;
    QString m_name;
    QByteArray m_certificatePem;
    QString m_virtualIp;
    QString m_serial;
    QStringList m_groups;
    QDateTime m_certificateExpiry;
    RevocationList m_revocations;
    QString m_lastErrorCode;
    QString m_lastErrorDetail;
    QList<JoinReply> m_joinWaiters;
    QTimer* m_joinTimer;
    bool m_anyBrokerReached = false;
};

} // namespace pvc::core
