#include "ipc/framedchannel.h"

#include <QIODevice>
#include <QPointer>

namespace pvc::ipc {

FramedChannel::FramedChannel(QIODevice* device, QObject* parent, quint32 maxBytes)
    : QObject(parent)
    , m_device(device)
    , m_reader(maxBytes)
{
    connect(device, &QIODevice::readyRead, this, &FramedChannel::handleReadyRead);
}

void FramedChannel::send(const QJsonObject& message)
{
    if (m_device->isOpen())
        m_device->write(encodeFrame(message));
}

void FramedChannel::handleReadyRead()
{
    // A receiver may delete us from inside a signal, so check after every emission.
    QPointer<FramedChannel> self(this);
    while (!m_failed && m_device->bytesAvailable() > 0) {
        const qint64 room = m_reader.room();
        if (room > 0)
            m_reader.append(m_device->read(qMin<qint64>(room, 16 * 1024)));
        QJsonObject message;
        for (;;) {
            const FrameReader::Status status = m_reader.next(&message);
            if (status == FrameReader::Status::NeedMore)
                break;
            if (status == FrameReader::Status::Error) {
                m_failed = true;
                Q_EMIT protocolErrorOccurred(m_reader.errorCode(), m_reader.errorDetail());
                return;
            }
            Q_EMIT messageReceived(message);
            if (!self || m_failed)
                return;
        }
    }
}

} // namespace pvc::ipc
