#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

// Frames used by the control API and the broker protocol (docs/protocol.md): a 4-byte big-endian
// length, then that many bytes of a UTF-8 JSON object carrying "v" (protocol version) and "t" (type).
namespace pvc::ipc {

inline constexpr int ProtocolVersion = 1;
inline constexpr quint32 MaxFrameBytes = 64 * 1024;

QByteArray encodeFrame(const QJsonObject& message);

// Incremental decoder. The declared length is checked against the limit before anything is
// buffered for it, so a hostile peer cannot make us allocate more than maxBytes + 4.
class FrameReader {
public:
    enum class Status { NeedMore, Frame, Error };

    explicit FrameReader(quint32 maxBytes = MaxFrameBytes);

    void append(const QByteArray& bytes);
    // How many more bytes the reader will accept before it must be drained; callers read at most this.
    qint64 room() const;
    // Extracts the next frame. After Error the stream is unusable: errorCode() says why
    // (frame.too_large, frame.bad_json, frame.bad_version, frame.no_type).
    Status next(QJsonObject* message);
    QString errorCode() const { return m_errorCode; }
    QString errorDetail() const { return m_errorDetail; }

private:
    Status fail(const char* code, const QString& detail);

    QByteArray m_buffer;
    quint32 m_maxBytes;
    QString m_errorCode;
    QString m_errorDetail;
};

} // namespace pvc::ipc

namespace pvc::ipc {
// {"v": 1, "t": type}
QJsonObject makeMessage(const char* type);
QString messageType(const QJsonObject& message);
} // namespace pvc::ipc
