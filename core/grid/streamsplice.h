#pragma once

#include <QObject>

class QIODevice;

namespace pvc::core {

// Copies bytes both ways between two connected stream sockets (a QTcpSocket, a QLocalSocket) with
// backpressure: it reads from one side only while the other has less than MaxPending bytes waiting
// to be written, so a slow or stopped reader holds the writer back instead of filling memory. When
// either side closes, what is pending is written, then both are closed and finished() is emitted
// once. It owns neither socket; set them as its children to tie their lives together.
class StreamSplice : public QObject {
    Q_OBJECT
public:
    static constexpr qint64 MaxPending = 256 * 1024;

    // Both devices must be open; the sockets' disconnected signals are found by name.
    StreamSplice(QIODevice* a, QIODevice* b, QObject* parent);

    qint64 bytesAtoB() const { return m_aToB; }
    qint64 bytesBtoA() const { return m_bToA; }

Q_SIGNALS:
    void finished();

private:
    void pump();
    qint64 copy(QIODevice* from, QIODevice* to);
    void closeSide();

    QIODevice* m_a;
    QIODevice* m_b;
    qint64 m_aToB = 0;
    qint64 m_bToA = 0;
    bool m_closing = false;
    bool m_finished = false;
};

} // namespace pvc::core
