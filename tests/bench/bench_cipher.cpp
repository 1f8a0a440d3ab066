// Seal + open throughput of the tunnel cipher (ChaCha20-Poly1305 through OpenSSL EVP) for 1400-byte
// packets, in place, as the data plane does it: one seal and one open per packet, on one core.
//
//   bench_cipher [SECONDS]   (default 2)
#include "tunnel/datapacket.h"
#include "tunnel/packetcipher.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv)
{
    using namespace pvc::core;
    using Clock = std::chrono::steady_clock;
    constexpr std::size_t PacketBytes = 1400;
    const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;

    std::array<std::uint8_t, PacketCipher::KeyBytes> key {};
    key.fill(0x42);
    PacketCipher sender;
    PacketCipher receiver;
    if (!sender.setKey(key) || !receiver.setKey(key)) {
        std::fprintf(stderr, "bench_cipher: cannot set up the cipher\n");
        return 1;
    }
    std::vector<std::uint8_t> datagram(datapacket::HeaderBytes + PacketBytes + datapacket::TagBytes, 0x17);
    const std::span<std::uint8_t> header(datagram.data(), datapacket::HeaderBytes);
    const std::span<std::uint8_t> body(datagram.data() + datapacket::HeaderBytes, PacketBytes + datapacket::TagBytes);

    std::uint64_t packets = 0;
    const Clock::time_point start = Clock::now();
    const Clock::time_point end
        = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    Clock::time_point now = start;
    while (now < end) {
        for (int i = 0; i < 1000; ++i, ++packets) {
            datapacket::writeHeader({ PacketType::Data, 0, 0xb1, packets }, datagram.data());
            if (sender.seal(packets, header, body.first(PacketBytes), body) != PacketBytes + datapacket::TagBytes
                || receiver.open(packets, header, body, body) != std::ptrdiff_t(PacketBytes)) {
                std::fprintf(stderr, "bench_cipher: packet %llu failed\n", static_cast<unsigned long long>(packets));
                return 1;
            }
        }
        now = Clock::now();
    }
    const double elapsed = std::chrono::duration<double>(now - start).count();
    const double perSecond = double(packets) / elapsed;
    std::printf("bench_cipher: %llu packets of %zu bytes sealed and opened in %.2f s\n",
        static_cast<unsigned long long>(packets), PacketBytes, elapsed);
    std::printf("bench_cipher: %.0f packets/s = %.2f Gbit/s of payload (seal + open on one core)\n", perSecond,
        perSecond * PacketBytes * 8 / 1e9);
    return 0;
}
