#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

// Wire format v1 of a sealed tunnel packet, the whole payload of one UDP datagram (docs/tunnel.md):
//
//   0      1      2             4                   8                                  16
//   +------+------+-------------+-------------------+----------------------------------+
//   | type | epoch| reserved: 0 | receiver index BE | counter, u64 BE                  |
//   +------+------+-------------+-------------------+----------------------------------+
//   | ChaCha20-Poly1305 ciphertext of the payload ...                | tag (16 bytes)  |
//
// The 16-byte header is the AEAD's associated data, so every field of it is authenticated. Parsing
// never allocates and never reads outside the datagram.
namespace pvc::core {

enum class PacketType : std::uint8_t {
    Data = 1, // payload: one IPv4 packet
    Keepalive = 2, // payload: empty
    Probe = 3, // payload: 8 opaque bytes, echoed by the reply
    ProbeReply = 4, // payload: the probe's 8 bytes
};

struct DataPacketHeader {
    PacketType type = PacketType::Data;
    std::uint8_t epoch = 0;
    std::uint32_t receiverIndex = 0;
    std::uint64_t counter = 0;
};

// A parsed datagram: views into the caller's bytes.
struct DataPacket {
    DataPacketHeader header;
    std::span<const std::uint8_t> headerBytes; // the 16 header bytes, the AEAD's associated data
    std::span<const std::uint8_t> sealed; // ciphertext || tag
};

namespace datapacket {

inline constexpr std::size_t HeaderBytes = 16;
inline constexpr std::size_t TagBytes = 16;
inline constexpr std::size_t OverheadBytes = HeaderBytes + TagBytes;
inline constexpr std::size_t MaxDatagramBytes = 65535;
inline constexpr std::size_t MaxPayloadBytes = MaxDatagramBytes - OverheadBytes;
// RFC 5389 section 6: every STUN message carries it at offset 4. No receiver index may take this
// value, so a STUN message on the tunnel port is never mistaken for a data packet.
inline constexpr std::uint32_t StunMagicCookie = 0x2112A442;

enum class ParseError : std::uint8_t {
    None,
    TooLarge, // above MaxDatagramBytes; checked before anything else
    TooShort, // shorter than header + tag
    BadType, // type is not 1..4
    BadReserved, // reserved bytes are not zero
};

// Stable codes for logs and tests: "tunnel.too_large", "tunnel.too_short", "tunnel.bad_type",
// "tunnel.bad_reserved" ("" for None).
const char* errorCode(ParseError error);

// True when the datagram belongs to the tunnel: its first byte is a v1 type and it is not a STUN
// message. Everything else on the port (STUN, relay framing) goes to the control side.
bool isTunnelDatagram(const std::uint8_t* data, std::size_t size);

// Whether a receiver may pick this index for a session: not 0, not the STUN cookie.
bool isUsableIndex(std::uint32_t index);

ParseError parse(const std::uint8_t* data, std::size_t size, DataPacket* out);

// Writes the 16 header bytes.
void writeHeader(const DataPacketHeader& header, std::uint8_t* out);

} // namespace datapacket
} // namespace pvc::core
