#include "security/projectbundle.h"

#include "ipc/controlpaths.h"
#include "security/certificates.h"
#include "virtualization/addressplan.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace pvc::core {

namespace {
const QString FormatTag = QStringLiteral("pvc-project-1");
const QString FileName = QStringLiteral("project.json");
} // namespace

QString ProjectBundle::defaultPath()
{
    return ipc::defaultProjectBundlePath();
}

QString ProjectBundle::pathIn(const QString& directory)
{
    return directory + QLatin1Char('/') + FileName;
}

Result<ProjectBundle> ProjectBundle::loadOrDefault(const QString& path)
{
    return load(path.isEmpty() ? defaultPath() : path);
}

Result<ProjectBundle> ProjectBundle::load(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError("bundle.unreadable", QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    if (file.size() > MaxBytes)
        return makeError("bundle.too_large", QStringLiteral("%1 is larger than %2 bytes").arg(path).arg(MaxBytes));
    return fromJson(file.read(MaxBytes));
}

Result<ProjectBundle> ProjectBundle::fromJson(const QByteArray& json)
{
    if (json.size() > MaxBytes)
        return makeError("bundle.too_large");
    QJsonParseError parseError;
    const QJsonObject o = QJsonDocument::fromJson(json, &parseError).object();
    if (parseError.error != QJsonParseError::NoError || o.value(QLatin1String("format")).toString() != FormatTag)
        return makeError(
            "bundle.malformed", QStringLiteral("not a pvc project bundle (%1)").arg(parseError.errorString()));

    ProjectBundle bundle;
    bundle.name = o.value(QLatin1String("name")).toString();
    bundle.network = o.value(QLatin1String("network")).toString();
    bundle.domain = o.value(QLatin1String("domain")).toString();
    for (const QJsonValue& broker : o.value(QLatin1String("brokers")).toArray())
        bundle.brokers << broker.toString();
    bundle.caCertificatePem = o.value(QLatin1String("ca")).toString().toLatin1();
    bundle.policyVersion = o.value(QLatin1String("policy_version")).toInteger();

    if (bundle.name.isEmpty() || bundle.domain.isEmpty() || bundle.brokers.isEmpty())
        return makeError("bundle.malformed", QStringLiteral("the bundle lacks a name, domain or broker"));
    if (const auto plan = AddressPlan::parse(bundle.network); !plan)
        return makeError("bundle.malformed", plan.error().detail);
    for (const QString& broker : std::as_const(bundle.brokers)) {
        if (const auto address = HostPort::parse(broker); !address)
            return makeError("bundle.malformed", address.error().detail);
    }
    const Result<certs::CertificateInfo> ca = certs::parseCertificate(bundle.caCertificatePem);
    if (!ca || !ca->isCa)
        return makeError("bundle.bad_ca", QStringLiteral("the bundle's CA certificate is unusable"));
    bundle.projectId = ca->fingerprint;
    bundle.caPublicPem = ca->publicKeyPem;
    return bundle;
}

QByteArray ProjectBundle::toJson() const
{
    const QJsonObject o { { QStringLiteral("format"), FormatTag }, { QStringLiteral("name"), name },
        { QStringLiteral("network"), network }, { QStringLiteral("domain"), domain },
        { QStringLiteral("brokers"), QJsonArray::fromStringList(brokers) },
        { QStringLiteral("ca"), QString::fromLatin1(caCertificatePem) },
        { QStringLiteral("policy_version"), policyVersion } };
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

bool ProjectBundle::save(const QString& path, QString* error) const
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(toJson()) < 0 || !file.commit()) {
        *error = file.errorString();
        return false;
    }
    return true;
}

} // namespace pvc::core
