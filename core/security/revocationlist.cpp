#include "security/revocationlist.h"

#include "security/keys.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <algorithm>

namespace pvc::core {

namespace {
// The signed list travels in one 64 KiB frame; serials are short hex strings, so 4000 fit with room to spare.
constexpr qsizetype MaxSerials = 4000;

QByteArray canonical(const QJsonObject& body)
{
    // QJsonObject keeps keys sorted, so the compact form is canonical for our own bodies.
    return "pvc-revocations-v1\n" + QJsonDocument(body).toJson(QJsonDocument::Compact);
}
} // namespace

Result<QJsonObject> RevocationList::sign(const QByteArray& caPrivatePem) const
{
    QStringList sorted(serials.cbegin(), serials.cend());
    std::sort(sorted.begin(), sorted.end());
    const QJsonObject body { { QStringLiteral("project"), project }, { QStringLiteral("version"), version },
        { QStringLiteral("issued"), issued.toUTC().toString(Qt::ISODate) },
        { QStringLiteral("serials"), QJsonArray::fromStringList(sorted) } };
    const Result<QByteArray> signature = keys::sign(caPrivatePem, canonical(body));
    if (!signature)
        return signature.error();
    return QJsonObject { { QStringLiteral("body"), body },
        { QStringLiteral("sig"), QString::fromLatin1(signature->toBase64()) } };
}

Result<RevocationList> RevocationList::verify(
    const QJsonObject& signedList, const QByteArray& caPublicPem, const QString& project)
{
    const QJsonObject body = signedList.value(QLatin1String("body")).toObject();
    const QByteArray signature = QByteArray::fromBase64(signedList.value(QLatin1String("sig")).toString().toLatin1());
    if (body.isEmpty() || signature.size() != 64)
        return makeError("revocation.malformed", QStringLiteral("revocation list has no body or signature"));
    if (!keys::verify(caPublicPem, canonical(body), signature))
        return makeError("revocation.bad_signature", QStringLiteral("revocation list is not signed by the master"));

    RevocationList list;
    list.project = body.value(QLatin1String("project")).toString();
    list.version = body.value(QLatin1String("version")).toInteger(-1);
    list.issued = QDateTime::fromString(body.value(QLatin1String("issued")).toString(), Qt::ISODate);
    const QJsonArray serials = body.value(QLatin1String("serials")).toArray();
    if (list.version < 0 || serials.size() > MaxSerials)
        return makeError("revocation.malformed", QStringLiteral("revocation list has a bad version or size"));
    if (list.project != project)
        return makeError("revocation.wrong_project", QStringLiteral("revocation list is for another project"));
    for (const QJsonValue& serial : serials)
        list.serials.insert(serial.toString());
    return list;
}

} // namespace pvc::core
