#pragma once

#include "ipc/frame.h"

#include <QObject>

class QIODevice;

namespace pvc::ipc {

// Frames over any stream device (Unix socket, TCP, TLS). Reads never buffer more than one frame's
// limit; a malformed stream is reported once and nothing more is read from it.
class FramedChannel : public QObject {
    Q_OBJECT
public:
    FramedChannel(QIODevice* device, QObject* parent, quint32 maxBytes = MaxFrameBytes);

    void send(const QJsonObject& message);
    QIODevice* device() const { return m_device; }
    bool failed() const { return m_failed; }

Q_SIGNALS:
    void messageReceived(const QJsonObject& message);
    void protocolErrorOccurred(const QString& code, const QString& detail);

private:
    void handleReadyRead();

    QIODevice* m_device;
    FrameReader m_reader;
    bool m_failed = false;
};

} // namespace pvc::ipc
