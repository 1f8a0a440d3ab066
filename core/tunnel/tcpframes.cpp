#include "tunnel/tcpframes.h"

#include <QtEndian>

namespace pvc::core {

QList<QByteArray> TcpFrameReader::feed(const QByteArray& bytes)
{
    QList<QByteArray> out;
    if (m_failed)
        return out;
    m_buffer += bytes;
    qsizetype offset = 0;
    while (m_buffer.size() - offset >= 2) {
        const quint16 length = qFromBigEndian<quint16>(m_buffer.constData() + offset);
        if (length == 0 || length > MaxFrameBytes) {
            m_failed = true;
            m_buffer.clear();
            return out;
        }
        if (m_buffer.size() - offset - 2 < length)
            break;
        out.append(m_buffer.mid(offset + 2, length));
        offset += 2 + length;
    }
    m_buffer.remove(0, offset);
    return out;
}

QByteArray TcpFrameReader::frame(const QByteArray& datagram)
{
    if (datagram.isEmpty() || datagram.size() > MaxFrameBytes)
        return {};
    QByteArray out(2, Qt::Uninitialized);
    qToBigEndian<quint16>(quint16(datagram.size()), out.data());
    return out + datagram;
}

} // namespace pvc::core
