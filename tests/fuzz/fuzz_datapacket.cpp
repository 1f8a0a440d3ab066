// Fuzz target for the tunnel's datagram parser and the receive path behind it
// (core/tunnel/datapacket.h, tunnelsession.h), which run on every datagram that reaches the
// tunnel's UDP port, before anything is authenticated.
#include "tunnel/datapacket.h"
#include "tunnel/tunnelsession.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

void require(bool condition, const char* what)
{
    if (!condition) {
        std::fprintf(stderr, "fuzz_datapacket: invariant broken: %s\n", what);
        std::abort();
    }
}

// The receiving end of a session whose keys are fixed (every byte of epoch e's keys is 0x40 + e), so
// the seeds can hold datagrams that open: data, keepalive, probe, and data in epoch 1, all sealed
// by the matching client session towards receiver index 0xb1.
pvc::core::TunnelSession& receiver()
{
    using namespace pvc::core;
    static std::unique_ptr<TunnelSession> session = [] {
        auto exporter
            = [](QByteArray, QByteArray context, int length) { return QByteArray(length, char(0x40 + context.at(3))); };
        TunnelSession::Config config;
        config.localIndex = 0xb1;
        config.remoteIndex = 0xa1;
        config.virtualIp = 0xf0090002;
        auto keys = TunnelKeys::derive(exporter, TunnelKeys::Role::Server, 4);
        return std::move(TunnelSession::create(config, std::move(keys).value(), TunnelSession::Clock::now())).value();
    }();
    return *session;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace pvc::core;
    DataPacket packet;
    const datapacket::ParseError error = datapacket::parse(data, size, &packet);
    require(
        error == datapacket::ParseError::None || std::strlen(datapacket::errorCode(error)) > 0, "error without a code");
    if (size > datapacket::MaxDatagramBytes) {
        require(error == datapacket::ParseError::TooLarge, "accepted an oversized datagram");
        return 0;
    }
    if (error != datapacket::ParseError::None)
        return 0;
    require(size >= datapacket::OverheadBytes, "accepted a short datagram");
    require(datapacket::isTunnelDatagram(data, size) || std::memcmp(data + 4, "\x21\x12\xa4\x42", 4) == 0,
        "parsed what the classifier calls foreign");
    require(packet.headerBytes.data() == data && packet.headerBytes.size() == datapacket::HeaderBytes,
        "header view out of place");
    require(packet.sealed.data() == data + datapacket::HeaderBytes && packet.sealed.size() == size - 16,
        "sealed view out of place");

    // The header writes back to the same bytes.
    std::uint8_t header[datapacket::HeaderBytes];
    datapacket::writeHeader(packet.header, header);
    require(std::memcmp(header, data, sizeof header) == 0, "header does not round-trip");

    // Through the receive path, in place on a private copy, as the data plane does it.
    if (packet.header.receiverIndex == receiver().localIndex()) {
        std::vector<std::uint8_t> copy(data, data + size);
        DataPacket own;
        require(datapacket::parse(copy.data(), copy.size(), &own) == datapacket::ParseError::None, "copy differs");
        std::size_t plainSize = 0;
        const auto status = receiver().open(
            own, { copy.data() + datapacket::HeaderBytes, own.sealed.size() }, &plainSize, TunnelSession::Clock::now());
        if (status == TunnelSession::Status::Ok)
            require(plainSize + datapacket::OverheadBytes == size, "plaintext size is off");
    }
    return 0;
}
