#include "security/projectbundle.h"

#include "ipc/controlpaths.h"
#include "security/certificates.h"
#include "virtualization/addressplan.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
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
    const QJsonObject pins = o.value(QLatin1String("broker_pins")).toObject();
    static const QRegularExpression sha256(QRegularExpression::anchoredPattern(QStringLiteral("[0-9a-f]{64}")));
    for (auto pin = pins.constBegin(); pin != pins.constEnd(); ++pin) {
        if (!bundle.brokers.contains(pin.key()) || !sha256.match(pin.value().toString()).hasMatch())
            return makeError("bundle.malformed",
                QStringLiteral("broker_pins: '%1' must be a listed broker with 64 lowercase hex digits")
                    .arg(pin.key()));
        bundle.brokerPins.insert(pin.key(), QByteArray::fromHex(pin.value().toString().toLatin1()));
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
    QJsonObject o { { QStringLiteral("format"), FormatTag }, { QStringLiteral("name"), name },
        { QStringLiteral("network"), network }, { QStringLiteral("domain"), domain },
        { QStringLiteral("brokers"), QJsonArray::fromStringList(brokers) },
        { QStringLiteral("ca"), QString::fromLatin1(caCertificatePem) },
        { QStringLiteral("policy_version"), policyVersion } };
    if (!brokerPins.isEmpty()) {
        QJsonObject pins;
        for (auto pin = brokerPins.constBegin(); pin != brokerPins.constEnd(); ++pin)
            pins.insert(pin.key(), QString::fromLatin1(pin.value().toHex()));
        o.insert(QStringLiteral("broker_pins"), pins);
    }
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
