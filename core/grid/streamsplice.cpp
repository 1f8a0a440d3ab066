#include "grid/streamsplice.h"

#include <QAbstractSocket>
#include <QIODevice>
#include <QLocalSocket>

namespace pvc::core {

namespace {
constexpr qint64 ChunkBytes = 64 * 1024;

qint64 pendingWrite(QIODevice* device)
{
    return device->bytesToWrite();
}

bool isConnected(QIODevice* device)
{
    if (auto* tcp = qobject_cast<QAbstractSocket*>(device))
        return tcp->state() == QAbstractSocket::ConnectedState;
    if (auto* local = qobject_cast<QLocalSocket*>(device))
        return local->state() == QLocalSocket::ConnectedState;
    return device->isOpen();
}
} // namespace

StreamSplice::StreamSplice(QIODevice* a, QIODevice* b, QObject* parent)
    : QObject(parent)
    , m_a(a)
    , m_b(b)
{
    for (QIODevice* device : { a, b }) {
        connect(device, &QIODevice::readyRead, this, &StreamSplice::pump);
        connect(device, &QIODevice::bytesWritten, this, &StreamSplice::pump);
        if (auto* tcp = qobject_cast<QAbstractSocket*>(device))
            connect(tcp, &QAbstractSocket::disconnected, this, &StreamSplice::closeSide);
        if (auto* local = qobject_cast<QLocalSocket*>(device))
            connect(local, &QLocalSocket::disconnected, this, &StreamSplice::closeSide);
    }
    pump();
}

qint64 StreamSplice::copy(QIODevice* from, QIODevice* to)
{
    qint64 moved = 0;
    char buffer[ChunkBytes];
    while (from->bytesAvailable() > 0 && pendingWrite(to) < MaxPending) {
        const qint64 got = from->read(buffer, qMin<qint64>(sizeof buffer, MaxPending - pendingWrite(to)));
        if (got <= 0)
            break;
        if (to->write(buffer, got) != got)
            break;
        moved += got;
    }
    return moved;
}

void StreamSplice::pump()
{
    if (m_finished)
        return;
    m_aToB += copy(m_a, m_b);
    m_bToA += copy(m_b, m_a);
    if (m_closing)
        closeSide();
}

void StreamSplice::closeSide()
{
    if (m_finished)
        return;
    m_closing = true;
    // Deliver what the closed side had sent before it went.
    if (m_a->bytesAvailable() > 0 && isConnected(m_b))
        m_aToB += copy(m_a, m_b);
    if (m_b->bytesAvailable() > 0 && isConnected(m_a))
        m_bToA += copy(m_b, m_a);
    const bool drained
        = !(m_a->bytesAvailable() > 0 && isConnected(m_b)) && !(m_b->bytesAvailable() > 0 && isConnected(m_a));
    if (!drained)
        return; // bytesWritten brings us back
    m_finished = true;
    for (QIODevice* device : { m_a, m_b }) {
        if (auto* tcp = qobject_cast<QAbstractSocket*>(device))
            tcp->disconnectFromHost();
        else if (auto* local = qobject_cast<QLocalSocket*>(device))
            local->disconnectFromServer();
        else
            device->close();
    }
    Q_EMIT finished();
}

} // namespace pvc::core
