#include "coordinator/relaystream.h"

#include "connectivity/brokerconnection.h"
#include "ipc/frame.h"
#include "protocol/brokerprotocol.h"

#include <QRandomGenerator>

namespace pvc::core::relaystream {

QString newId()
{
    return QString::number(QRandomGenerator::system()->generate64(), 16).rightJustified(16, QLatin1Char('0'))
        + QString::number(QRandomGenerator::system()->generate64(), 16).rightJustified(16, QLatin1Char('0'));
}

QJsonObject open(const QString& streamId, const QString& to)
{
    QJsonObject message = ipc::makeMessage("relay-open");
    message.insert(QStringLiteral("stream"), streamId);
    message.insert(QStringLiteral("to"), to);
    return message;
}

QJsonObject close(const QString& streamId, const QString& error)
{
    QJsonObject message = ipc::makeMessage("relay-close");
    message.insert(QStringLiteral("stream"), streamId);
    message.insert(QStringLiteral("error"), error);
    return message;
}

std::function<void(const QByteArray&)> sender(BrokerConnection* broker, const QString& streamId)
{
    return [broker, streamId](const QByteArray& bytes) {
        for (qsizetype offset = 0; offset < bytes.size(); offset += brokerprotocol::MaxRelayChunkBytes) {
            QJsonObject data = ipc::makeMessage("relay-data");
            data.insert(QStringLiteral("stream"), streamId);
            data.insert(QStringLiteral("data"),
                QString::fromLatin1(bytes.mid(offset, brokerprotocol::MaxRelayChunkBytes).toBase64()));
            broker->send(data);
        }
    };
}

} // namespace pvc::core::relaystream
