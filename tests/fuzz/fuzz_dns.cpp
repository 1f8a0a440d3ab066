// Fuzz target for the overlay DNS responder (core/virtualization/dnsresponder.h), which answers
// every datagram that reaches pvcd's DNS socket.
#include "virtualization/dnsresponder.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

void require(bool condition, const char* what)
{
    if (!condition) {
        std::fprintf(stderr, "fuzz_dns: invariant broken: %s\n", what);
        std::abort();
    }
}

std::optional<quint32> lookup(const QString& host)
{
    require(!host.isEmpty(), "looked up an empty name");
    for (const QChar c : host)
        require(
            (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9') || c == u'-', "looked up a name that is not a host");
    if (host == QLatin1String("alice"))
        return 0xf0010002;
    if (host == QLatin1String("master"))
        return 0xf0010001;
    return std::nullopt;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using pvc::core::DnsResponder;
    static const DnsResponder responder(QStringLiteral("pvc"), lookup);
    const QByteArray query = QByteArray::fromRawData(reinterpret_cast<const char*>(data), qsizetype(size));
    const auto response = responder.answer(query);
    const bool answerable = size >= 12 && size <= std::size_t(DnsResponder::MaxQueryBytes) && !(data[2] & 0x80);
    require(response.has_value() == answerable, "answered the unanswerable, or the reverse");
    if (!response)
        return 0;

    const QByteArray& r = *response;
    require(r.size() >= 12 && r.size() <= DnsResponder::MaxQueryBytes, "response size out of bounds");
    require(r[0] == query[0] && r[1] == query[1], "ID not copied");
    require((quint8(r[2]) & 0x80) && (quint8(r[2]) & 0x79) == (data[2] & 0x79), "QR, opcode or RD wrong");
    require(!(quint8(r[3]) & 0xf0), "RA or Z set");
    const quint8 rcode = quint8(r[3]) & 0x0f;
    require(rcode <= 5 && rcode != 2, "unexpected RCODE");
    const int answers = quint8(r[6]) << 8 | quint8(r[7]);
    require(answers <= 1 && (answers == 0 || rcode == 0), "answers on an error");
    require(r[8] == 0 && r[9] == 0 && r[10] == 0 && r[11] == 0, "authority or additional records");
    // Our own responses are never answered, so two responders cannot loop.
    require(!responder.answer(r).has_value(), "answered a response");
    return 0;
}
