#include "ipc/frame.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QtEndian>

namespace pvc::ipc {

QByteArray encodeFrame(const QJsonObject& message)
{
    const QByteArray body = QJsonDocument(message).toJson(QJsonDocument::Compact);
    QByteArray frame(4, Qt::Uninitialized);
    qToBigEndian<quint32>(quint32(body.size()), frame.data());
    frame += body;
    return frame;
}

FrameReader::FrameReader(quint32 maxBytes)
    : m_maxBytes(maxBytes)
{
}

void FrameReader::append(const QByteArray& bytes)
{
    m_buffer += bytes;
}

qint64 FrameReader::room() const
{
    if (!m_errorCode.isEmpty())
        return 0;
    return qMax<qint64>(0, qint64(m_maxBytes) + 4 - m_buffer.size());
}

FrameReader::Status FrameReader::fail(const char* code, const QString& detail)
{
    m_errorCode = QString::fromLatin1(code);
    m_errorDetail = detail;
    m_buffer.clear();
    return Status::Error;
}

FrameReader::Status FrameReader::next(QJsonObject* message)
{
    if (!m_errorCode.isEmpty())
        return Status::Error;
    if (m_buffer.size() < 4)
        return Status::NeedMore;
    const quint32 length = qFromBigEndian<quint32>(m_buffer.constData());
    if (length > m_maxBytes)
        return fail(
            "frame.too_large", QStringLiteral("frame of %1 bytes exceeds the limit of %2").arg(length).arg(m_maxBytes));
    if (quint32(m_buffer.size() - 4) < length)
        return Status::NeedMore;

    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(m_buffer.mid(4, length), &parseError);
    m_buffer.remove(0, 4 + length);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return fail("frame.bad_json", parseError.errorString());
    const QJsonObject object = doc.object();
    if (object.value(QLatin1String("v")).toInt(-1) != ProtocolVersion)
        return fail("frame.bad_version",
            QStringLiteral("protocol version %1 is not supported (this side speaks %2)")
                .arg(object.value(QLatin1String("v")).toVariant().toString())
                .arg(ProtocolVersion));
    if (!object.value(QLatin1String("t")).isString())
        return fail("frame.no_type", QStringLiteral("frame has no type"));
    *message = object;
    return Status::Frame;
}

} // namespace pvc::ipc

namespace pvc::ipc {

QJsonObject makeMessage(const char* type)
{
    return QJsonObject { { QStringLiteral("v"), ProtocolVersion }, { QStringLiteral("t"), QString::fromLatin1(type) } };
}

QString messageType(const QJsonObject& message)
{
    return message.value(QLatin1String("t")).toString();
}

} // namespace pvc::ipc
