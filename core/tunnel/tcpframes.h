#pragma once

#include <QByteArray>
#include <QList>

// Tunnel datagrams on a direct TCP connection (docs/tunnel.md, "On a TCP path"): each one is a
// 2-byte big-endian length, then that many bytes. The reader takes bytes as they come and gives
// back whole datagrams; a length of 0 or over MaxFrameBytes is an error, found before anything
// is allocated for it, and the connection must then be closed.
namespace pvc::core {

class TcpFrameReader {
public:
    static constexpr qsizetype MaxFrameBytes = 2048;

    // Appends bytes and returns the datagrams they complete, in order. After an error it returns
    // nothing and keeps failing.
    QList<QByteArray> feed(const QByteArray& bytes);
    bool failed() const { return m_failed; }
    qsizetype pending() const { return m_buffer.size(); }

    // The frame for one datagram; empty if the datagram is empty or too large.
    static QByteArray frame(const QByteArray& datagram);

private:
    QByteArray m_buffer;
    bool m_failed = false;
};

} // namespace pvc::core
