// Fuzz target for the frame codec (core/ipc/frame.h): whatever a peer sends, the reader never
// buffers more than room() allows, never stalls with a full buffer, and decodes the same frames
// however the bytes are split.
#include "ipc/frame.h"

#include <QList>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

using pvc::ipc::FrameReader;

namespace {

void require(bool condition, const char* what)
{
    if (!condition) {
        std::fprintf(stderr, "fuzz_frame: invariant broken: %s\n", what);
        std::abort();
    }
}

struct Outcome {
    QList<QJsonObject> frames;
    QString errorCode;
};

// Feeds `input` in chunks of the given sizes (cycled), reading at most room() bytes each time
// as FramedChannel does, and drains the reader after every chunk.
Outcome decode(const QByteArray& input, quint32 maxBytes, const QList<int>& chunkSizes)
{
    FrameReader reader(maxBytes);
    Outcome outcome;
    qsizetype offset = 0;
    for (int turn = 0;; ++turn) {
        QJsonObject message;
        FrameReader::Status status;
        while ((status = reader.next(&message)) == FrameReader::Status::Frame) {
            require(message.value(QLatin1String("v")).toInt() == pvc::ipc::ProtocolVersion, "frame without v=1");
            require(message.value(QLatin1String("t")).isString(), "frame without t");
            outcome.frames << message;
            message = {};
        }
        if (status == FrameReader::Status::Error) {
            outcome.errorCode = reader.errorCode();
            require(!outcome.errorCode.isEmpty(), "error without a code");
            require(reader.room() == 0, "room after an error");
            require(reader.next(&message) == FrameReader::Status::Error, "error was not final");
            return outcome;
        }
        const qint64 room = reader.room();
        require(room >= 0 && room <= qint64(maxBytes) + 4, "room out of bounds");
        // A reader that wants more but will not take any would stall the connection forever.
        require(room > 0, "reader stalled with a full buffer");
        if (offset >= input.size())
            return outcome;
        const qsizetype chunk
            = qMin<qsizetype>(qMin<qsizetype>(chunkSizes.at(turn % chunkSizes.size()), room), input.size() - offset);
        reader.append(input.mid(offset, chunk));
        offset += chunk;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size > 256 * 1024)
        return 0;
    const QByteArray input = QByteArray::fromRawData(reinterpret_cast<const char*>(data), qsizetype(size));

    for (const quint32 maxBytes : { pvc::ipc::MaxFrameBytes, quint32(64) }) {
        const Outcome whole = decode(input, maxBytes, { int(size) + 1 });
        const Outcome split = decode(input, maxBytes, { 1, 3, 2, 7, 64, 5 });
        require(whole.frames == split.frames, "frames depend on how the bytes were split");
        require(whole.errorCode == split.errorCode, "error depends on how the bytes were split");

        // What we decode, we can encode and decode again to the same message.
        for (const QJsonObject& message : whole.frames) {
            const QByteArray again = pvc::ipc::encodeFrame(message);
            FrameReader reader;
            reader.append(again);
            QJsonObject decoded;
            require(reader.next(&decoded) == FrameReader::Status::Frame, "re-encoded frame refused");
            require(decoded == message, "re-encoded frame differs");
        }
    }
    return 0;
}
