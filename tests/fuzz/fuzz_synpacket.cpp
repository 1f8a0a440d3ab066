// Fuzz target for pvc-helper's Traversing-TCP checks (helper/synpacket.h, helper/validation.h,
// helper/ttcp.h), the root code that every inject-syn request reaches, and for pvcd's rewrite of a
// relayed SYN (core/connectivity/tcppunch.h), whose output the helper must accept.
#include "connectivity/tcppunch.h"
#include "synpacket.h"
#include "ttcp.h"

#include <QByteArray>
#include <QJsonObject>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

constexpr quint32 Server = 0xC612000A; // 198.18.0.10, as in the seeds
constexpr quint16 Port = 5011;

void require(bool condition, const char* what)
{
    if (!condition) {
        std::fprintf(stderr, "fuzz_synpacket: invariant broken: %s\n", what);
        std::abort();
    }
}

// Equal but for the two checksum fields, which have two valid encodings of zero (RFC 1071).
bool sameButChecksums(QByteArray a, QByteArray b)
{
    for (QByteArray* packet : { &a, &b }) {
        if (packet->size() >= 38) {
            packet->replace(10, 2, QByteArray(2, 0));
            packet->replace(36, 2, QByteArray(2, 0));
        }
    }
    return a == b;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace pvc::helper;
    if (size > 8192)
        return 0;
    const QByteArray bytes(reinterpret_cast<const char*>(data), qsizetype(size));

    SynRules rules;
    rules.hostAddresses = { 0x7F000001, Server };
    rules.targetAddresses = { Server };
    rules.allowedPorts = { Port };
    Syn syn;
    const auto refusal = checkSyn(bytes, rules, &syn);
    if (refusal) {
        require(refusal->code == QLatin1String("helper.bad_packet")
                || refusal->code == QLatin1String("helper.bad_address")
                || refusal->code == QLatin1String("helper.not_yours"),
            "a refusal with an unknown code");
    } else {
        require(size >= 40 && size <= size_t(MaxSynBytes), "accepted a SYN of impossible size");
        require(data[0] == 0x45 && data[9] == 6 && (data[33] & 0x17) == 0x02, "accepted something that is no SYN");
        require(syn.destination == Server && syn.destinationPort == Port, "accepted another destination");
        // pvcd's rewrite, with what the packet already says, changes nothing the helper checks.
        const auto same = pvc::core::rewriteSynForInjection(bytes, { QHostAddress(syn.source), 0 }, {}, Port);
        require(same && sameButChecksums(*same, bytes), "the rewrite changed an accepted SYN");
        require(!checkSyn(*same, rules, &syn), "the helper refused its own accepted SYN, rewritten");
    }

    // Whatever the rewrite makes has right checksums, whatever else the helper says of it.
    const auto rewritten
        = pvc::core::rewriteSynForInjection(bytes, { QHostAddress(0xC612000Cu), 0 }, QHostAddress(Server), Port);
    if (rewritten) {
        const auto verdict = checkSyn(*rewritten, rules, &syn);
        require(!verdict || !verdict->detail.contains(QLatin1String("checksum")), "the rewrite left a bad checksum");
    }

    // The request field, as base64 of the bytes and as the bytes themselves.
    QByteArray packet;
    const auto field
        = parseSynRequest({ { QStringLiteral("packet"), QString::fromLatin1(bytes.toBase64()) } }, &packet);
    require(field.has_value() == (size > size_t(MaxSynBytes)), "base64 of up to 80 bytes refused, or of more accepted");
    require(field || packet == bytes, "the decoded packet differs");
    (void)parseSynRequest({ { QStringLiteral("packet"), QString::fromLatin1(bytes) } }, &packet);

    // ttcp-allow's and capture-syn's port check, on the bytes as the kernel's sock_diag reply.
    QList<TcpSocket> sockets;
    bool done = false;
    if (parseInetDiagReply(bytes, 7, &sockets, &done))
        (void)tcpPortOwnedBy(sockets, 8080, 65534);
    return 0;
}
