#include "coordinator/hoststate.h"

#include "security/certificates.h"
#include "security/keys.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QSaveFile>

namespace pvc::core {

namespace {
constexpr qint64 MaxStateFileBytes = 256 * 1024;

QByteArray readSmallFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly) || file.size() > MaxStateFileBytes)
        return {};
    return file.readAll();
}

bool writeFile(const QString& path, const QByteArray& data, QString* error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size() || !file.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}
} // namespace

HostState::HostState(const QString& directory)
    : m_directory(directory)
{
}

QString HostState::path(const char* name) const
{
    return m_directory + QLatin1Char('/') + QLatin1String(name);
}

bool HostState::prepare(QString* error)
{
    if (!QDir().mkpath(m_directory)
        || !QFile::setPermissions(m_directory, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner)) {
        *error = QStringLiteral("cannot create the state directory %1").arg(m_directory);
        return false;
    }
    return true;
}

bool HostState::hasKey() const
{
    return QFile::exists(path("host.key"));
}

Result<QByteArray> HostState::ensureKey()
{
    if (hasKey())
        return key();
    const auto pair = keys::generateEd25519();
    if (!pair)
        return pair.error();
    QString error;
    if (!keys::writePrivateKeyFile(path("host.key"), pair->privatePem, &error))
        return makeError("state.write_failed", error);
    return pair->privatePem;
}

Result<QByteArray> HostState::key() const
{
    return keys::readPrivateKeyFile(path("host.key"));
}

QByteArray HostState::membership() const
{
    return readSmallFile(path("membership.crt"));
}

bool HostState::saveMembership(const QByteArray& certificatePem, QString* error)
{
    return writeFile(path("membership.crt"), certificatePem, error);
}

std::optional<QJsonObject> HostState::pendingEnrolment() const
{
    const QJsonDocument doc = QJsonDocument::fromJson(readSmallFile(path("enrolment.json")));
    if (!doc.isObject())
        return std::nullopt;
    return doc.object();
}

bool HostState::savePendingEnrolment(const QJsonObject& request, QString* error)
{
    return writeFile(path("enrolment.json"), QJsonDocument(request).toJson(), error);
}

void HostState::clearPendingEnrolment()
{
    QFile::remove(path("enrolment.json"));
}

std::optional<QJsonObject> HostState::revocations() const
{
    const QJsonDocument doc = QJsonDocument::fromJson(readSmallFile(path("revocations.json")));
    if (!doc.isObject())
        return std::nullopt;
    return doc.object();
}

bool HostState::saveRevocations(const QJsonObject& signedList, QString* error)
{
    return writeFile(path("revocations.json"), QJsonDocument(signedList).toJson(QJsonDocument::Compact), error);
}

std::optional<QJsonObject> HostState::globalPolicy() const
{
    const QJsonDocument doc = QJsonDocument::fromJson(readSmallFile(path("global-policy.json")));
    return doc.isObject() ? std::optional<QJsonObject>(doc.object()) : std::nullopt;
}

bool HostState::saveGlobalPolicy(const QJsonObject& signedPolicy, QString* error)
{
    return writeFile(path("global-policy.json"), QJsonDocument(signedPolicy).toJson(QJsonDocument::Compact), error);
}

std::optional<QJsonObject> HostState::localPolicy() const
{
    const QJsonDocument doc = QJsonDocument::fromJson(readSmallFile(path("local-policy.json")));
    return doc.isObject() ? std::optional<QJsonObject>(doc.object()) : std::nullopt;
}

bool HostState::saveLocalPolicy(const std::optional<QJsonObject>& policy, QString* error)
{
    if (!policy) {
        QFile::remove(path("local-policy.json"));
        return true;
    }
    return writeFile(path("local-policy.json"), QJsonDocument(*policy).toJson(), error);
}

void HostState::forgetMembership()
{
    QFile::remove(path("membership.crt"));
    clearPendingEnrolment();
}

} // namespace pvc::core
