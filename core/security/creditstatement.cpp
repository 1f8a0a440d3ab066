#include "security/creditstatement.h"

#include "security/keys.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <cmath>

namespace pvc::core {

namespace {
QByteArray canonical(const QJsonObject& body)
{
    // QJsonObject keeps keys sorted, so the compact form is canonical for our own bodies.
    return "pvc-credits-v1\n" + QJsonDocument(body).toJson(QJsonDocument::Compact);
}

bool isAmount(const QJsonValue& value)
{
    return value.isDouble() && std::isfinite(value.toDouble()) && value.toDouble() >= 0;
}

Error malformed(const QString& why)
{
    return makeError("credits.malformed", why);
}

Result<QList<QPair<QDate, double>>> historyFrom(const QJsonValue& value)
{
    const QJsonArray days = value.toArray();
    if (!value.isArray() || days.size() > CreditStatement::MaxHistoryDays)
        return malformed(QStringLiteral("history: at most %1 days").arg(CreditStatement::MaxHistoryDays));
    QList<QPair<QDate, double>> history;
    for (const QJsonValue& day : days) {
        const QDate date = QDate::fromString(day.toObject().value(QLatin1String("date")).toString(), Qt::ISODate);
        const QJsonValue credit = day.toObject().value(QLatin1String("credits"));
        if (!date.isValid() || !isAmount(credit) || (!history.isEmpty() && date <= history.last().first))
            return malformed(QStringLiteral("history: dates in order, each with a credit of 0 or more"));
        history.append({ date, credit.toDouble() });
    }
    return history;
}
} // namespace

Result<QJsonObject> CreditStatement::sign(const QByteArray& caPrivatePem) const
{
    QJsonArray days;
    for (const auto& [date, credit] : history)
        days.append(QJsonObject {
            { QStringLiteral("date"), date.toString(Qt::ISODate) }, { QStringLiteral("credits"), credit } });
    const QJsonObject body { { QStringLiteral("project"), project }, { QStringLiteral("host"), host },
        { QStringLiteral("version"), version }, { QStringLiteral("issued"), issued.toUTC().toString(Qt::ISODate) },
        { QStringLiteral("total"), total }, { QStringLiteral("certified_tasks"), certifiedTasks },
        { QStringLiteral("recent_average"), recentAverage }, { QStringLiteral("history"), days } };
    const Result<QByteArray> signature = keys::sign(caPrivatePem, canonical(body));
    if (!signature)
        return signature.error();
    return QJsonObject { { QStringLiteral("body"), body },
        { QStringLiteral("sig"), QString::fromLatin1(signature->toBase64()) } };
}

Result<CreditStatement> CreditStatement::verify(
    const QJsonObject& signedStatement, const QByteArray& caPublicPem, const QString& project)
{
    const QJsonObject body = signedStatement.value(QLatin1String("body")).toObject();
    const QByteArray signature
        = QByteArray::fromBase64(signedStatement.value(QLatin1String("sig")).toString().toLatin1());
    if (body.isEmpty() || signature.size() != 64)
        return malformed(QStringLiteral("a statement needs a body and a signature"));
    const QByteArray message = canonical(body);
    if (message.size() > MaxSignedBytes)
        return malformed(QStringLiteral("the statement is larger than %1 bytes").arg(MaxSignedBytes));
    if (!keys::verify(caPublicPem, message, signature))
        return makeError("credits.bad_signature", QStringLiteral("the statement is not signed by the master"));
    CreditStatement s;
    s.project = body.value(QLatin1String("project")).toString();
    s.host = body.value(QLatin1String("host")).toString();
    s.version = body.value(QLatin1String("version")).toInteger(-1);
    s.issued = QDateTime::fromString(body.value(QLatin1String("issued")).toString(), Qt::ISODate);
    const QJsonValue total = body.value(QLatin1String("total")), average = body.value(QLatin1String("recent_average"));
    s.certifiedTasks = body.value(QLatin1String("certified_tasks")).toInteger(-1);
    if (s.host.isEmpty() || s.version < 0 || !s.issued.isValid() || !isAmount(total) || !isAmount(average)
        || s.certifiedTasks < 0)
        return malformed(QStringLiteral("a statement needs a host, a version, a date and amounts of 0 or more"));
    if (s.project != project)
        return makeError("credits.wrong_project", QStringLiteral("the statement is for another project"));
    auto history = historyFrom(body.value(QLatin1String("history")));
    if (!history)
        return history.error();
    s.total = total.toDouble();
    s.recentAverage = average.toDouble();
    s.history = std::move(history).value();
    return s;
}

double CreditStatement::recentAverageAt(const QDateTime& now) const
{
    const double days = std::max<qint64>(0, issued.secsTo(now)) / 86400.0;
    return recentAverage * std::exp2(-days / HalfLifeDays);
}

QJsonObject CreditStatement::toStatusJson(const QDateTime& now) const
{
    QJsonArray days;
    for (const auto& [date, credit] : history)
        days.append(QJsonObject {
            { QStringLiteral("date"), date.toString(Qt::ISODate) }, { QStringLiteral("credits"), credit } });
    return QJsonObject { { QStringLiteral("total"), total }, { QStringLiteral("daily_average"), recentAverageAt(now) },
        { QStringLiteral("certified_tasks"), certifiedTasks }, { QStringLiteral("history"), days },
        { QStringLiteral("version"), version }, { QStringLiteral("issued"), issued.toUTC().toString(Qt::ISODate) } };
}

} // namespace pvc::core
