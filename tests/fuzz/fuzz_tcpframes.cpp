// Fuzz target for the TCP framing of tunnel datagrams (core/tunnel/tcpframes.h), which pvcd runs
// on every byte a punched TCP connection brings. The input is cut in two at a point it chooses,
// so frames also arrive split; whatever comes out must re-frame to a prefix of the input.
#include "tunnel/tcpframes.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {
void require(bool condition, const char* what)
{
    if (!condition) {
        std::fprintf(stderr, "fuzz_tcpframes: invariant broken: %s\n", what);
        std::abort();
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace pvc::core;
    if (size < 1 || size > 16384)
        return 0;
    const qsizetype cut = qsizetype(data[0]) * qsizetype(size - 1) / 255;
    const QByteArray input = QByteArray::fromRawData(reinterpret_cast<const char*>(data + 1), qsizetype(size - 1));
    TcpFrameReader reader;
    QList<QByteArray> datagrams = reader.feed(input.left(cut));
    datagrams += reader.feed(input.mid(cut));
    QByteArray reframed;
    for (const QByteArray& datagram : std::as_const(datagrams)) {
        require(!datagram.isEmpty() && datagram.size() <= TcpFrameReader::MaxFrameBytes, "bad datagram size");
        reframed += TcpFrameReader::frame(datagram);
    }
    require(input.startsWith(reframed), "datagrams are not the input's frames");
    if (!reader.failed())
        require(reframed.size() + reader.pending() == input.size(), "bytes lost");
    return 0;
}
