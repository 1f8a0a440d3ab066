// Fuzz target for the STUN codec (core/protocol/stun.h), which the broker runs on every
// datagram that reaches its UDP port.
#include "protocol/stun.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {
void require(bool condition, const char* what)
{
    if (!condition) {
        std::fprintf(stderr, "fuzz_stun: invariant broken: %s\n", what);
        std::abort();
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace pvc::core;
    if (size > 4096)
        return 0;
    const QByteArray datagram = QByteArray::fromRawData(reinterpret_cast<const char*>(data), qsizetype(size));
    const auto decoded = stun::decode(datagram);
    if (!decoded) {
        require(!decoded.error().code.isEmpty(), "error without a code");
        return 0;
    }
    require(datagram.size() >= 20 && datagram.size() <= stun::MaxMessageBytes, "accepted a bad size");
    require(decoded->transactionId.size() == 12, "transaction id is not 12 bytes");
    require(decoded->username.toUtf8().size() <= 128 * 3, "username too long");

    // Answering what we decoded yields a response that decodes to the same address and port.
    const bool hasAddress = decoded->mappedAddress.protocol() == QAbstractSocket::IPv4Protocol;
    require(hasAddress || decoded->mappedPort == 0, "a port without an address");
    const QByteArray answer = hasAddress
        ? stun::encodeBindingSuccess(decoded->transactionId, decoded->mappedAddress, decoded->mappedPort)
        : stun::encodeBindingRequest(decoded->transactionId, decoded->username);
    const auto again = stun::decode(answer);
    require(again.ok(), "our own encoding does not decode");
    require(again->transactionId == decoded->transactionId, "transaction id changed");
    require(again->mappedAddress == decoded->mappedAddress, "address changed");
    require(again->mappedPort == decoded->mappedPort, "port changed");
    return 0;
}
